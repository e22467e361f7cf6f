"""Serializer fields shared by the apps' APIs."""

from __future__ import annotations

from rest_framework import serializers

from .logging import without_server_paths


class PublicErrorField(serializers.CharField):
    """A stored failure reason as API clients see it: no server path in it (read-only)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value) -> str:
        return without_server_paths(str(value or ""))
