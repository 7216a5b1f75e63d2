"""The log going out and coming in: export to JSON lines and the idempotent import."""
