"""A cache for rendered comparison fragments that every data change invalidates.

The key of every cached fragment includes the *data version*, made of two parts:

- a token in the cache, replaced whenever any record of this app is saved, deleted or has
  its many-to-many links changed in this process (signals below); with a shared cache
  backend (Redis, Memcached, database) that reaches every process;
- a fingerprint read from the database in one query (newest change time and number of
  cells, newest history row of cells, provisions and instruments), so that a change made by
  another process — an import command, a second web worker with its own in-memory cache —
  is seen at the next request even when the cache is not shared.

Code that writes with `QuerySet.update()` or `bulk_create()` without history bypasses both:
call `bump()` after it.
"""

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


def _fingerprint():
    from .models import Assessment, LegalInstrument, Provision

    tables = {
        "cells": Assessment._meta.db_table,
        "cell_history": Assessment.history.model._meta.db_table,
        "provision_history": Provision.history.model._meta.db_table,
        "instrument_history": LegalInstrument.history.model._meta.db_table,
    }
    quoted = {k: connection.ops.quote_name(v) for k, v in tables.items()}
    sql = (
        f"SELECT (SELECT MAX(updated_at) FROM {quoted['cells']}),"  # noqa: S608 (table names)
        f" (SELECT COUNT(*) FROM {quoted['cells']}),"
        f" (SELECT MAX(history_id) FROM {quoted['cell_history']}),"
        f" (SELECT MAX(history_id) FROM {quoted['provision_history']}),"
        f" (SELECT MAX(history_id) FROM {quoted['instrument_history']})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return "|".join(str(v) for v in cursor.fetchone())


def data_version():
    token = cache.get(VERSION_KEY)
    if token is None:
        token = uuid.uuid4().hex
        cache.add(VERSION_KEY, token, None)
        token = cache.get(VERSION_KEY, token)
    return f"{token}|{_fingerprint()}"


def cached(key_parts, render):
    """render() once per data version and key; later calls reuse the string."""
    import hashlib

    key = (
        "legislation:fragment:"
        + hashlib.sha256("\x1f".join([data_version(), *key_parts]).encode()).hexdigest()
    )
    value = cache.get(key)
    if value is None:
        value = render()
        cache.set(key, value, TIMEOUT)
    return value
