"""Hot statements, hand-written: run prepared, and read a row of several models at once.

The reviewer workflow asks a few statements on every request. Built through the ORM, compiling
each cost more than PostgreSQL took to run it, and PostgreSQL planned each afresh. Here a
statement is written once, prepared once per connection, and its row is split back into model
instances, with each field's own conversions applied, so callers get ordinary objects.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model


def fetchone_prepared(sql: str, params: dict) -> tuple | None:
    """Run a hot statement as a server-side prepared statement and return its first row.

    Django binds parameters client-side and never prepares, so PostgreSQL would plan the pull's
    multi-CTE statement afresh on every call; planning costs more than running it. Prepared
    once per connection (connections persist), it is only executed afterwards. The settings
    allow this (`prepared_statements` in config/settings/base.py); where they do not, the
    statement simply runs unprepared. The cursor is wrapped like any Django cursor: errors
    become Django's, and debug query capture sees it.
    """
    db = connections[DEFAULT_DB_ALIAS]  # resolved once: each proxy lookup costs
    db.close_if_health_check_failed()
    db.ensure_connection()
    db.validate_thread_sharing()
    with db.wrap_database_errors:
        raw = _prepared_cursor_class()(db.connection)
    wrap = db.make_debug_cursor if db.queries_logged else db.make_cursor
    with wrap(raw) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


@functools.cache
def _prepared_cursor_class():
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparedCursor(ServerBindingCursor):
        """Server-side binding, and every statement prepared (`prepare=True`)."""

        def execute(self, query, params=None, **kwargs):
            return super().execute(query, params, prepare=True, **kwargs)

    return PreparedCursor


def fetchone_hot(sql: str, params: dict) -> tuple | None:
    """`fetchone_prepared` on PostgreSQL; an ordinary query elsewhere (the SQLite demo)."""
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor == "postgresql":
        return fetchone_prepared(sql, params)
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def columns(alias: str, model: type[Model]) -> str:
    """The select list of every concrete column of `model`, in field order, under `alias`."""
    return ", ".join(f"{alias}.{field.column}" for field in model._meta.concrete_fields)


@functools.cache
def _loaders(model: type[Model], names: tuple[str, ...] | None, alias: str) -> tuple:
    """(attnames, [(index, converters)]) to build `model` from the columns of its fields `names`
    (every concrete field when None) on database `alias`."""
    db = connections[alias]
    if names is None:
        fields = model._meta.concrete_fields
    else:
        fields = [model._meta.get_field(name) for name in names]
    converting = []
    for i, field in enumerate(fields):
        convert = db.ops.get_db_converters(field.get_col(model._meta.db_table))
        convert += field.get_db_converters(db)
        if convert:
            converting.append((i, convert))
    return [field.attname for field in fields], converting


Part = type[Model] | tuple[type[Model], tuple[str, ...]]


def instances(row: Sequence, parts: Sequence[Part]) -> list[Model | None]:
    """Split `row` into instances: each part is a model whose `columns` come next in the row, or
    (model, field names) for just those fields, in that order (the rest load on access). A part
    whose primary key came back NULL (an outer join that found nothing) gives None."""
    db = connections[DEFAULT_DB_ALIAS]
    out: list[Model | None] = []
    start = 0
    for part in parts:
        model, names = part if isinstance(part, tuple) else (part, None)
        attnames, converting = _loaders(model, names, db.alias)
        values = list(row[start : start + len(attnames)])
        start += len(attnames)
        if values[attnames.index(model._meta.pk.attname)] is None:
            out.append(None)
            continue
        for i, convert in converting:
            for converter in convert:
                values[i] = converter(values[i], None, db)
        out.append(model.from_db(db.alias, attnames, values))
    return out


def loaded(model: type[Model], **values) -> Model:
    """An instance of `model` as if just read from the database with these field values (the
    rest load on access): what a statement that wrote and returned the row knows of it."""
    given = {model._meta.get_field(name).attname: value for name, value in values.items()}
    # `from_db` takes the values in the model's field order.
    attnames = [f.attname for f in model._meta.concrete_fields if f.attname in given]
    if len(attnames) != len(given):
        raise TypeError(
            f"not concrete fields of {model.__name__}: {sorted(set(given) - set(attnames))}"
        )
    return model.from_db(DEFAULT_DB_ALIAS, attnames, [given[name] for name in attnames])


def prime(obj: Model, **related: Model | None) -> Model:
    """Fill `obj`'s relations (a foreign key, or the reverse side of a one-to-one, None for
    "there is none") with objects already in hand, so reading them costs no query."""
    for name, value in related.items():
        obj._meta.get_field(name).set_cached_value(obj, value)
    return obj


Link = tuple[int, str, int | None]


def linked(row: Sequence, parts: Sequence[Part], links: Sequence[Link]) -> list[Model | None]:
    """`instances(row, parts)`, with the relations between them already loaded.

    Each link is (index of an instance, name of its relation, index of the related instance, or
    None for "none"): a foreign key, a one-to-one or its reverse. Following such a relation
    afterwards reads nothing, so one joined statement stands in for the ORM's select_related.
    Links from an instance that came back None are skipped.
    """
    objs = instances(row, parts)
    for source, name, target in links:
        obj = objs[source]
        if obj is None:
            continue
        related = objs[target] if target is not None else None
        obj._meta.get_field(name).set_cached_value(obj, related)
    return objs


def with_prefetched(obj: Model, name: str, objects: list[Model]) -> Model:
    """Mark `obj`'s to-many relation `name` as already read: `objects` is all of it (a write
    that has just created every row, such as a review's first revision, knows that)."""
    cache = obj.__dict__.setdefault("_prefetched_objects_cache", {})
    cache[name] = list(objects)
    return obj
