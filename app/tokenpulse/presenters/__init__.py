"""Pure, Qt-free view logic: Snapshot → the words, numbers and icon state the tray and popup show."""
