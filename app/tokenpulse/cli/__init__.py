"""The command line: scans and reports over the same Qt-free core as the tray app."""
