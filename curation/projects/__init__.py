"""Projects: the project file (read, validate, load), rubric versions, workload (pause, caps)."""
