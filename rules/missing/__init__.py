"""Recommendation v: children missing from care offered a return interview."""
