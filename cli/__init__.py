"""The `ledger` command line: one module per command group, calling only the application's
and the projections' public functions.
"""
