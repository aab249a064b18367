"""`python -m tokenpulse` runs the command line (and, with no command, the tray app)."""

from tokenpulse.cli.main import main

if __name__ == "__main__":  # a spawned scan worker imports this module as __mp_main__: no CLI there
    raise SystemExit(main())
