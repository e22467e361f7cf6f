"""The reviewer workflow: assignment, reviews, reviewer pages and API."""
