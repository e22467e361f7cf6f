"""Reviewing: eligibility, assignment, reviews and the sample lifecycle."""
