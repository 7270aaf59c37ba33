"""Appraisal cycles per organisation, year and kind: window, deadlines and population."""
