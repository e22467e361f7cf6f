"""Every URL pattern of the project (the Django admin excepted), by name."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str
    kwargs: frozenset[str]


def project_routes() -> list[Route]:
    routes: list[Route] = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if str(entry.pattern).startswith("admin/"):
                    continue
                ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, prefix + str(entry.pattern), ns)
            elif isinstance(entry, URLPattern):
                name = f"{namespace}{entry.name}" if entry.name else f"<unnamed {prefix}{entry}>"
                routes.append(
                    Route(
                        name, prefix + str(entry.pattern), frozenset(entry.pattern.regex.groupindex)
                    )
                )

    walk(get_resolver().url_patterns, "", "")
    return routes
