"""`python -m bridge.cli`: the same as the `cadenza` command."""

from bridge.cli import main

main()
