"""The LLM side of the tests: the fault-injecting fake server and the variables that point the
product at an endpoint (a real local llama.cpp server is `eval.local_llm`)."""

from .fault_server import CUT_TEXT, FAULT_MODES, LLM_ENV_VARS, MODEL_ALIAS, FaultServer

__all__ = ["CUT_TEXT", "FAULT_MODES", "LLM_ENV_VARS", "MODEL_ALIAS", "FaultServer"]
