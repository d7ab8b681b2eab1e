"""Recommendation i: ethnicity, culture, religion and language recorded and considered."""
