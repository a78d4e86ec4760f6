"""argmine.encoding."""
