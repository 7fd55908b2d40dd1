"""Skill assessments: the catalogue, attempts against the clock, and scoring."""
