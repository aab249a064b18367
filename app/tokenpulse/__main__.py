"""`python -m tokenpulse` runs the command line (and, with no command, the tray app)."""

from tokenpulse.cli.main import main

raise SystemExit(main())
