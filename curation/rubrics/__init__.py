"""Rubrics: grade codes, grading, and the answer options every surface offers."""
