"""Sample-specific criteria (HealthBench style): authoring, validation, grading, scores."""
