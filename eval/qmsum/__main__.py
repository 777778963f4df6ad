import sys

from eval.qmsum.benchmark import main

if __name__ == "__main__":
    sys.exit(main())
