"""Recommendation xi: children seen alone, and the record says so."""
