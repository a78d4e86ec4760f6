"""argmine.predict."""
