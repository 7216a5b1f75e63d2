"""`python -m cli`: the same as the `ledger` command."""

from cli.main import main

main()
