"""Recommendation x: looked-after children referred to CAMHS seen in time."""
