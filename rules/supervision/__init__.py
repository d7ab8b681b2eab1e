"""Recommendation iii: supervision with case and worker reflection."""
