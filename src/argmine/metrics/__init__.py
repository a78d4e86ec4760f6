"""argmine.metrics."""
