"""Personal API tokens: random keys, stored as SHA-256, shown once."""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from .audit import audit_record
from .errors import DomainError
from .hotsql import columns, fetchone_hot, instances
from .models import ApiToken

PREFIX = "rnd_"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def expiry_check(expires_at: datetime | None, *, now: datetime | None = None) -> None:
    """A token's expiry is in the future, or absent (never expires)."""
    if expires_at is not None and expires_at <= (now or timezone.now()):
        raise DomainError("must be in the future", field="expires_at", code="invalid")


@transaction.atomic
def api_token_create(
    *, user, name: str, expires_at: datetime | None = None, actor=None
) -> tuple[ApiToken, str]:
    """A personal token of `user`; returns it and its key, which is shown once and never stored."""
    name = (name or "").strip()
    if not name:
        raise DomainError("is required: say where the token is used", field="name")
    if len(name) > 100:
        raise DomainError("is longer than 100 characters", field="name")
    expiry_check(expires_at)
    key = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=key[:12], key_hash=hash_key(key), expires_at=expires_at
    )
    audit_record(
        actor=actor or user,
        action="api_token.create",
        obj=token,
        after={"name": name, "expires_at": expires_at.isoformat() if expires_at else None},
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor) -> bool:
    updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if updated:
        audit_record(actor=actor, action="api_token.revoke", obj=token)
    return bool(updated)


# How stale `last_used_at` may get: it tells an admin which tokens are idle, for which minutes
# do not matter, and stamping it on every request would add a committed write to each one.
LAST_USED_EVERY = timedelta(minutes=5)

LOOKUP = """
SELECT {columns} FROM {token} t JOIN {user} u ON u.id = t.user_id
WHERE t.key_hash = %(hash)s AND t.revoked_at IS NULL AND u.is_active
  AND (t.expires_at IS NULL OR t.expires_at > %(now)s)
"""


@functools.cache
def _lookup_sql() -> str:
    user_model = get_user_model()
    return LOOKUP.format(
        columns=f"{columns('t', ApiToken)}, {columns('u', user_model)}",
        token=ApiToken._meta.db_table,
        user=user_model._meta.db_table,
    )


def api_token_lookup(key: str) -> ApiToken | None:
    """The live token for `key`, with its (active) user loaded; None for any other key.

    Hand-written SQL: every API request asks this, and building the ORM query with its join
    cost more than running it."""
    if not key.startswith(PREFIX):
        return None
    # The clock is read here, not by the database: its now() is when the transaction began.
    now = timezone.now()
    stamp = connection.ops.adapt_datetimefield_value(now)
    row = fetchone_hot(_lookup_sql(), {"hash": hash_key(key), "now": stamp})
    if row is None:
        return None
    token, user = instances(row, (ApiToken, get_user_model()))
    ApiToken.user.field.set_cached_value(token, user)
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
