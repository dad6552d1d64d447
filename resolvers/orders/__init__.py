"""Orders: creation, status machine, and their read statements."""
