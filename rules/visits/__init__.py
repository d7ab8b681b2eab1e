"""Recommendation xi: children visited within the statutory interval."""
