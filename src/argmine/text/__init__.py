"""argmine.text."""
