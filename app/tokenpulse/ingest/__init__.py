"""Reading agent logs into the store: file tailing, the scan, and watching folders for changes."""
