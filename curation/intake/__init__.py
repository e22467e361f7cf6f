"""Sample intake: import formats, validation, the writer, screening for patient identifiers,
review import and the import API."""
