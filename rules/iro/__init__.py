"""Recommendation vii: every looked-after child has an IRO with capacity to involve them."""
