"""Exchange: REFI-QDA interchange, JSONL dumps and team merges (no UI imports)."""
