"""Side-by-side comparisons: physicians compare 2-4 model responses to one conversation."""
