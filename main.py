"""Start gdplay: ``python main.py``."""

import sys

from gdplay.app import main

if __name__ == "__main__":
    sys.exit(main())
