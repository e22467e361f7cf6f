"""`Authorization: Bearer rpl_...`: a pipeline token, good for export endpoints only."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .services import TOKEN_PREFIX, pipeline_token_authenticate


class PipelineTokenAuthentication(authentication.BaseAuthentication):
    """Authenticates a pipeline token as its own plain user, with the token as `request.auth`.

    On any view that does not declare `pipeline_tokens_allowed = True` the request is refused with
    403 right here, whatever that view's own permission classes say.
    """

    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode(errors="replace") not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Malformed Authorization header.")
        key = header[1].decode(errors="replace")
        if not key.startswith(TOKEN_PREFIX):
            return None
        token = pipeline_token_authenticate(key)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked pipeline token.")
        view = (getattr(request, "parser_context", None) or {}).get("view")
        if not getattr(view, "pipeline_tokens_allowed", False):
            raise exceptions.PermissionDenied(
                "Pipeline tokens may only list, create and download exports."
            )
        return token.user, token

    def authenticate_header(self, request) -> str:
        return "Bearer"


class PipelineTokenScheme(OpenApiAuthenticationExtension):
    target_class = "exports.authentication.PipelineTokenAuthentication"
    name = "PipelineToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A pipeline token (rpl_…) scoped to projects; exports only.",
        }
