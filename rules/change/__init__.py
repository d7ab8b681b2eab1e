"""Recommendation ix: assessments and plans updated after significant change."""
