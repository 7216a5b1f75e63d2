"""The write side of the compliance ledger: events, aggregates and the application API."""

__version__ = "0.3.0"
