"""Appraisal reports: completion, overdue lists and outcome variation, disclosure-controlled."""
