import sys

from webinar_rag.cli import main

sys.exit(main())
