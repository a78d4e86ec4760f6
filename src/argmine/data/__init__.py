"""argmine.data."""
