"""A fault-injecting fake OpenAI-compatible server, for the LLM tests and the reliability benchmark.

The real server (SmolLM2-135M on llama.cpp) comes from `eval.local_llm`, as for demos. The fake
exists only to break the network in the ways real endpoints break, so the failure handling can be
tested: it never stands in for the model on the happy path.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

from eval.local_llm import ALIAS as MODEL_ALIAS
from eval.local_llm import free_port

FAULT_MODES = ("500", "429", "garbage", "empty", "slow", "cut", "refused", "401")


def _completion(content: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fault",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": MODEL_ALIAS,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 1, "total_tokens": 11},
    }


def _chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
    body = {
        "id": "chatcmpl-fault",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": MODEL_ALIAS,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return b"data: " + json.dumps(body).encode() + b"\n\n"


# Text the "cut" mode streams before it drops the connection; a sentence that is not in the
# transcript, so a test can tell whether it leaked into a "verified" answer.
CUT_TEXT = ("The bill ", "enforces nothing at all ")


class FaultServer:
    """An OpenAI-compatible endpoint on 127.0.0.1 that fails in one chosen way.

    `base_url = server.serve("500")` picks the mode; `server.requests` counts chat requests.
    "refused" returns the URL of a closed port instead. Stopped by `close()` (the fixture does).
    """

    def __init__(self, slow_seconds: float = 8.0) -> None:
        self.mode = "500"
        self.slow_seconds = slow_seconds
        self.bodies: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self.port = int(self._httpd.server_address[1])
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def requests(self) -> int:
        with self._lock:
            return len(self.bodies)

    def serve(self, mode: str) -> str:
        """Switch to `mode`; return the base URL a client should use for it."""
        if mode not in FAULT_MODES:
            raise ValueError(f"unknown fault mode {mode!r}; use one of {FAULT_MODES}")
        self.mode = mode
        if mode == "refused":
            return f"http://127.0.0.1:{free_port()}/v1"
        return self.base_url

    def record(self, body: dict[str, Any]) -> None:
        with self._lock:
            self.bodies.append(body)

    def sleep(self, seconds: float) -> None:
        """Sleep, but wake up at once when the server is closing."""
        self._stopping.wait(seconds)

    def close(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


def _handler_for(server: FaultServer) -> type[BaseHTTPRequestHandler]:
    class Handler(_FaultHandler):
        fault = server

    return Handler


class _FaultHandler(BaseHTTPRequestHandler):
    fault: ClassVar[FaultServer]
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        pass

    def do_GET(self) -> None:
        if self.path.rstrip("/").endswith("/models"):
            self._json(200, {"object": "list", "data": [{"id": MODEL_ALIAS, "object": "model"}]})
        else:
            self._json(404, {"error": {"message": f"no route {self.path}"}})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {"unparsable": raw.decode("utf-8", "replace")}
        if not isinstance(body, dict):
            body = {"body": body}
        self.fault.record(body)
        stream = bool(body.get("stream"))
        # The client may hang up first (e.g. on its timeout), which is the point.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            if self.fault.mode == "401":  # a careless server that quotes the key back
                key = self.headers.get("Authorization", "").removeprefix("Bearer ")
                message = f"Incorrect API key provided: {key}. Check it."
                self._json(401, {"error": {"message": message, "type": "auth"}})
                return
            self._fail(self.fault.mode, stream)
        self.close_connection = True

    def _fail(self, mode: str, stream: bool) -> None:
        if mode == "500":
            self._json(500, {"error": {"message": "internal server error", "type": "server"}})
        elif mode == "429":
            self._json(
                429,
                {"error": {"message": "rate limited", "type": "rate_limit_exceeded"}},
                headers={"Retry-After": "0"},
            )
        elif mode == "garbage":
            if stream:
                self._sse([b"data: <html>this is not json\n\n"], done=False)
            else:
                self._raw(200, b"<html><body>502 Bad Gateway</body></html>", "application/json")
        elif mode == "empty":
            if stream:
                self._sse(
                    [_chunk({"role": "assistant", "content": ""}), _chunk({}, finish="stop")],
                    done=True,
                )
            else:
                self._json(200, _completion(""))
        elif mode == "slow":
            self.fault.sleep(self.fault.slow_seconds)
            if stream:
                self._sse([_chunk({"role": "assistant", "content": "Too late."})], done=True)
            else:
                self._json(200, _completion("Too late."))
        elif mode == "cut":
            if stream:
                parts = [_chunk({"role": "assistant", "content": ""})]
                parts += [_chunk({"content": piece}) for piece in CUT_TEXT]
                self._sse(parts, done=False)  # and close without `data: [DONE]`
            else:
                # Promise a whole completion, send half of it, hang up.
                data = json.dumps(_completion("".join(CUT_TEXT))).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
        else:  # pragma: no cover - "refused" never reaches a server
            self._json(500, {"error": {"message": f"mode {mode!r} has no server"}})

    def _json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self._raw(status, json.dumps(body).encode(), "application/json", headers)

    def _raw(
        self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def _sse(self, events: list[bytes], *, done: bool) -> None:
        """Server-sent events without a length, ended by closing the connection."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        for event in events:
            self.wfile.write(event)
            self.wfile.flush()
            time.sleep(0.02)
        if done:
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()


LLM_ENV_VARS = (
    "OPENAI_BASE_URL",
    "OPENAI_API_KEY",
    "WEBINAR_RAG_LLM_MODEL",
    "WEBINAR_RAG_LLM_TIMEOUT",
    "WEBINAR_RAG_LLM_RETRIES",
)
