"""Sample intake: import formats, validation, and screening for patient identifiers."""
