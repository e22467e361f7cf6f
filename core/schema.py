"""The OpenAPI description of every operation also names the errors any request can meet."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse

ERROR_SHAPE = '{"detail": "...", "errors": [{"message", "code", "field"}]} or {"field": ["..."]}'

# Whatever the endpoint: bad input, a missing or bad token, a role that may not, the same 404 for
# missing and forbidden, throttling, and the JSON 503 of core.api when the database is away.
COMMON_ERRORS = {
    "400": "The input is invalid; the body names each wrong field.",
    "401": "No valid credentials.",
    "403": "Signed in, but this role may not do this.",
    "404": "Not found (or not yours: the same answer).",
    "429": "Too many requests for this token; see Retry-After.",
    "503": "The database is briefly unavailable; retry the same request (see Retry-After).",
}


class AutoSchema(BaseAutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction=direction)
        if direction != "response":
            return responses
        for code, description in COMMON_ERRORS.items():
            if code not in responses:
                error = OpenApiResponse(
                    OpenApiTypes.OBJECT, description=f"{description} {ERROR_SHAPE}"
                )
                responses[code] = self._get_response_for_code(error, code, direction=direction)
        return responses
