"""One module per page; each has `register(services)`."""
