"""A cache for rendered pages and fragments that every public data change invalidates.

The key of every cached value includes the *data version*, read in one query:

- `DataVersion.number`, raised by the signals (signals.py) in the same transaction as the
  change itself, so it is committed with it and seen by every process at its next request,
  whichever cache each has (shared Redis, or each worker's own memory);
- the newest history row of cells, provisions, instruments, sources and treaty records, and
  the newest cell, which also catch writes that bypass the signals but keep history
  (simple_history's `bulk_*_with_history`);
- a token in the cache, replaced in `transaction.on_commit` by `bump()`: with a shared cache it
  retires every process's entries at once.

Code that writes with `QuerySet.update()`, `bulk_update()` or `bulk_create()` without history
bypasses all of them: call `bump()` after it.
"""

import datetime
import functools
import hashlib
import uuid

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

VERSION_KEY = "legislation:data-version"
TIMEOUT = 60 * 60  # a value not asked for within an hour is dropped


def _replace_token():
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)


def raise_version():
    """Raise the database's version number now (inside the caller's transaction) and replace
    the cache token once the transaction commits."""
    from legislation.models import DataVersion

    now = timezone.now()
    if not DataVersion.objects.filter(pk=1).update(number=F("number") + 1, changed_at=now):
        DataVersion.objects.get_or_create(pk=1, defaults={"number": 1, "changed_at": now})
    transaction.on_commit(_replace_token)


def bump(**kwargs):
    """For writes that bypass the signals: the public data has changed."""
    raise_version()


@functools.cache
def _fingerprint_sql():
    # Built once: reaching a history model through its manager builds a manager class.
    from legislation.models import (
        Assessment,
        DataVersion,
        LegalInstrument,
        Provision,
        Source,
        TreatyParticipation,
        TreatyReservation,
    )

    quote = connection.ops.quote_name
    version = quote(DataVersion._meta.db_table)
    # Only primary keys: each MAX is one index lookup, whatever the number of rows.
    tables = [
        (Assessment._meta.db_table, "id"),
        (Assessment.history.model._meta.db_table, "history_id"),
        (Provision.history.model._meta.db_table, "history_id"),
        (LegalInstrument.history.model._meta.db_table, "history_id"),
        (Source.history.model._meta.db_table, "history_id"),
        (TreatyParticipation.history.model._meta.db_table, "history_id"),
        (TreatyReservation.history.model._meta.db_table, "history_id"),
    ]
    # Table and column names come from the models, never from input.
    parts = [
        f"(SELECT number FROM {version} WHERE id = 1)",  # noqa: S608
        f"(SELECT changed_at FROM {version} WHERE id = 1)",  # noqa: S608
        *(f"(SELECT MAX({quote(column)}) FROM {quote(table)})" for table, column in tables),  # noqa: S608
    ]
    return "SELECT " + ", ".join(parts)


class Version(str):
    """The data version as text (for keys and ETags), with the time of the last change."""

    changed_at: datetime.datetime | None = None


def data_version():
    token = cache.get(VERSION_KEY)
    if token is None:
        token = uuid.uuid4().hex
        cache.add(VERSION_KEY, token, None)
        token = cache.get(VERSION_KEY, token)
    with connection.cursor() as cursor:
        cursor.execute(_fingerprint_sql())
        number, changed_at, *maxima = cursor.fetchone()
    version = Version(f"{token}|{number}|" + "|".join(str(v) for v in maxima))
    if isinstance(changed_at, str):  # SQLite answers a raw subquery with text
        changed_at = datetime.datetime.fromisoformat(changed_at)
    if changed_at is not None and timezone.is_naive(changed_at):
        changed_at = timezone.make_aware(changed_at, datetime.UTC)
    version.changed_at = changed_at
    return version


def key_for(key_parts, version=None):
    """A cache key for these parts at the data version (read now unless given: one query)."""
    text = "\x1f".join([version or data_version(), *key_parts])
    return "legislation:fragment:" + hashlib.sha256(text.encode()).hexdigest()


def cached(key_parts, render, version=None):
    """render() once per data version and key; later calls reuse the value."""
    key = key_for(key_parts, version)
    value = cache.get(key)
    if value is None:
        value = render()
        cache.set(key, value, TIMEOUT)
    return value
