"""`python -m app.cli` is `callmon`."""

from app.cli import main

main()
