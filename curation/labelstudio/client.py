"""The Label Studio SDK client, imported on first use (the SDK is heavy; the web process never
loads it unless someone pushes or pulls), and SDK errors turned into DomainErrors that say what
the server said."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any

from core.errors import DomainError

TIMEOUT_SECONDS = 120


class LabelStudioUnavailable(DomainError):
    """The server could not be reached or failed (5xx): worth retrying later."""


def client_for(*, url: str, token: str) -> Any:
    if not url:
        raise DomainError("is required: the base URL of the Label Studio server", field="url")
    if not token:
        raise DomainError(
            "is required: pass a Label Studio API token (or set LABEL_STUDIO_TOKEN)", field="token"
        )
    from label_studio_sdk import LabelStudio

    return LabelStudio(base_url=url.rstrip("/"), api_key=token, timeout=TIMEOUT_SECONDS)


def _server_message(body: Any) -> str:
    if isinstance(body, dict):
        parts = [str(body.get("detail") or "")]
        errors = body.get("validation_errors")
        if isinstance(errors, dict):
            parts += [
                f"{name}: {'; '.join(map(str, msgs)) if isinstance(msgs, list) else msgs}"
                for name, msgs in errors.items()
            ]
        return " — ".join(p for p in parts if p) or str(body)
    return str(body)[:500]


@contextmanager
def server_errors(doing: str, *, field: str | None = None):
    """Re-raise SDK and network failures as a DomainError naming the step and the server's reply."""
    from httpx import HTTPError
    from label_studio_sdk.core.api_error import ApiError

    try:
        yield
    except ApiError as exc:
        status = exc.status_code
        if status is not None and status >= 500:
            raise LabelStudioUnavailable(
                f"Label Studio failed while trying to {doing} (HTTP {status}): "
                f"{_server_message(exc.body)}",
                field=field,
                code="labelstudio_unavailable",
            )
        if status in (401, 403):
            message = f"Label Studio refused the token while trying to {doing} (HTTP {status})"
            raise DomainError(message, field="token", code="labelstudio_auth")
        raise DomainError(
            f"Label Studio could not {doing} (HTTP {status}): {_server_message(exc.body)}",
            field=field,
            code="labelstudio_error",
        )
    except HTTPError as exc:
        raise LabelStudioUnavailable(
            f"Label Studio is unreachable while trying to {doing}: {exc}",
            field="url",
            code="labelstudio_unreachable",
        )


def is_not_found(exc: BaseException) -> bool:
    from label_studio_sdk.core.api_error import ApiError

    return isinstance(exc, ApiError) and exc.status_code == 404
