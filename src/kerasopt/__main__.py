"""``python -m kerasopt``: the command line."""

from kerasopt.cli import main

main()
