"""The chat UI: `python app.py [--host HOST] [--port PORT] [--index DIR] [--corpus DIR]`, the
same as `webinar-rag serve` (the page is `webinar_rag.ui`)."""

import sys

from webinar_rag.ui import main

if __name__ == "__main__":
    sys.exit(main())
