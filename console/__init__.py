"""The admin console: every /console/ page. No models; it sits above annotators, curation and
exports and reads through their selectors."""
