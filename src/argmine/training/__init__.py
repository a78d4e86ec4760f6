"""argmine.training."""
