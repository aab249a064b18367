"""Where tokenpulse keeps its files, and the user's typed settings."""
