"""Privacy and security tests: what the store keeps, file permissions, no network, log paths as data."""
