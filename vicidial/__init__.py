"""callmon vicidial (see the README)."""
