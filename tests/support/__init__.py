"""What the tests share, and the reliability benchmark with them: the seed corpus and its
paths (`seed`), transcript files of every format (`transcript_files`, `corpora`), a fault-
injecting LLM endpoint (`llm_server`), killable CLI processes (`forkcli`, `crash`), the app
served on a free port and many clients at once (`load`), and hostile questions (`hostile`).

Imported as `tests.support` (the repository root is on the tests' path: pyproject.toml)."""
