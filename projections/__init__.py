"""Read models rebuilt from the ledger's log, one module each."""
