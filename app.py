"""Gradio chat UI: a placeholder until the UI issue; it only points to what works today."""

import sys


def main() -> int:
    print(
        "The chat UI is not built yet. Ask from the command line instead:\n"
        '  webinar-rag ask "What does Japan\'s AI bill enforce?"'
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
