"""Agent log sources: one module per agent, each turning its log lines into ApiCall records."""
