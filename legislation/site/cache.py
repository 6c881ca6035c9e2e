"""A cache for rendered comparison fragments that every data change invalidates.

The key of every cached fragment includes the *data version*, made of two parts:

- a token in the cache, replaced whenever any record of this app is saved, deleted or has
  its many-to-many links changed in this process (signals below); with a shared cache
  backend (Redis, Memcached, database) that reaches every process;
- a fingerprint read from the database in one indexed query (the newest history row of
  cells, provisions, instruments and sources, and the newest cell), so that a change saved by
  another process — an import command, a second web worker with its own in-memory cache — is seen
  at the next request even when the cache is not shared.

Code that writes with `QuerySet.update()`, `bulk_update()` or `bulk_create()` without
history bypasses both: call `bump()` after it (simple_history's `bulk_*_with_history` are
seen by the fingerprint).
"""

import functools
import hashlib
import uuid

from django.core.cache import cache
from django.db import connection
from django.db.models.signals import m2m_changed, post_delete, post_save

VERSION_KEY = "legislation:data-version"
TIMEOUT = 60 * 60  # a fragment not asked for within an hour is dropped


def bump(**kwargs):
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)


def _on_change(sender, **kwargs):
    if getattr(getattr(sender, "_meta", None), "app_label", None) in ("legislation", "auth"):
        bump()


post_save.connect(_on_change, dispatch_uid="legislation-datacache-save")
post_delete.connect(_on_change, dispatch_uid="legislation-datacache-delete")
m2m_changed.connect(_on_change, dispatch_uid="legislation-datacache-m2m")


@functools.cache
def _fingerprint_sql():
    # Built once: reaching a history model through its manager builds a manager class.
    from legislation.models import Assessment, LegalInstrument, Provision, Source

    # Only primary keys: each MAX is one index lookup, whatever the number of cells.
    tables = [
        (Assessment._meta.db_table, "id"),
        (Assessment.history.model._meta.db_table, "history_id"),
        (Provision.history.model._meta.db_table, "history_id"),
        (LegalInstrument.history.model._meta.db_table, "history_id"),
        (Source.history.model._meta.db_table, "history_id"),
    ]
    quote = connection.ops.quote_name
    # Table and column names come from the models, never from input.
    parts = [f"(SELECT MAX({quote(column)}) FROM {quote(table)})" for table, column in tables]  # noqa: S608
    return "SELECT " + ", ".join(parts)


def _fingerprint():
    with connection.cursor() as cursor:
        cursor.execute(_fingerprint_sql())
        return "|".join(str(v) for v in cursor.fetchone())


def data_version():
    token = cache.get(VERSION_KEY)
    if token is None:
        token = uuid.uuid4().hex
        cache.add(VERSION_KEY, token, None)
        token = cache.get(VERSION_KEY, token)
    return f"{token}|{_fingerprint()}"


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
