"""Where a ledger lives: the store URL (SQLite file or PostgreSQL schema), how events
become bytes (the mapper), the recorders that write the id index and the kept tree in
the events' own transaction, and what a store records about itself (its format).
"""
