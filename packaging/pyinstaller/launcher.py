"""Entry script of the PyInstaller bundle: the same `main` as the `tokenpulse` console script."""

import sys

from tokenpulse.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
