"""Reading agent logs into the store: file tailing, the scan, and (for the app) watching and a worker."""
