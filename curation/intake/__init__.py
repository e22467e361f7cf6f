"""Sample intake: import formats, validation, the writer, sensitive-data screening, review import
and the import API."""
