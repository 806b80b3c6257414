"""callmon dashboard (see the README)."""
