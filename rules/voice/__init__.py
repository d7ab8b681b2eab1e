"""Recommendation ii: the child's views recorded and taken forward."""
