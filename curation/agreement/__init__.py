"""Agreement between physicians: the statistics (`stats/`, numpy alone), the job that reads a
project's reviews, computes consensus and stores and settles it, adjudication, pages, API, tasks."""
