"""The one paginator of the API: `?limit=&offset=`, bounded so no number reaches SQL unchecked."""

from __future__ import annotations

from rest_framework import pagination

MAX_LIMIT = 1000
# Far beyond any table, and inside PostgreSQL's bigint OFFSET.
MAX_OFFSET = 2**53


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    max_limit = MAX_LIMIT

    def get_offset(self, request) -> int:
        return min(super().get_offset(request), MAX_OFFSET)
