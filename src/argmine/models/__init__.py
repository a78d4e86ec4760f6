"""argmine.models."""
