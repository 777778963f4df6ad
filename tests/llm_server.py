"""The fault-injecting fake OpenAI-compatible server lives in bench/fault_server.py, so that
the reliability benchmark can use it too; the tests import it from here, as they always did."""

from bench.fault_server import (
    CUT_TEXT,
    FAULT_MODES,
    LLM_ENV_VARS,
    MODEL_ALIAS,
    FaultServer,
)

__all__ = ["CUT_TEXT", "FAULT_MODES", "LLM_ENV_VARS", "MODEL_ALIAS", "FaultServer"]
