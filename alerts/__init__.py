"""callmon alerts (see the README)."""
