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

*Pieces* (`pieces()`) are the exception: fragments keyed by everything they show (a table
row's values, a map's shades and countries) rather than by the data version, so that after a
change only the pieces whose values changed are rendered again. Their key also holds the
code's fingerprint, so a deployment that renders differently never reads an older rendering.
*Frames* (`framed()`) are pieces with holes that each request fills with other pieces.
"""

import contextlib
import datetime
import functools
import hashlib
import io
import pickle
import re
import threading
import uuid
from collections import OrderedDict
from pathlib import Path

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.safestring import mark_safe

VERSION_KEY = "legislation:data-version"
SHARED_KEY = "legislation:shared-version"
TIMEOUT = 60 * 60  # a value not asked for within an hour is dropped
LOCAL_BYTES = 32 * 1024 * 1024  # the most each process keeps of `Local` values


# Everything this process keeps in memory from the data (pages, pieces, values read, rows and
# outlines made from them): `forget()` empties it all, for tests and for measuring an empty
# cache. Each keeper registers itself here.
_KEEPERS = []


def kept_in_memory(keeper):
    """Register `keeper` (anything with a `clear()` or `cache_clear()`) with `forget()`."""
    _KEEPERS.append(keeper)
    return keeper


def forget():
    """Empty every value this process keeps from the data (not the shared cache)."""
    for keeper in _KEEPERS:
        (keeper.cache_clear if hasattr(keeper, "cache_clear") else keeper.clear)()


# Stores for the other workers, made once a response has gone out (`after_the_response`).
_stores = threading.local()


@contextlib.contextmanager
def after_the_response():
    """Within it, what this process keeps for the other workers in the shared cache is stored
    only when the caller runs the list it gives: the public-page middleware runs it once the
    response has been sent (its closer), so that a page that was not cached does not also
    wait for pickling and sending what it read and rendered (a few milliseconds after a
    change to countries). Outside it, a store is made at once."""
    _stores.pending = pending = []
    try:
        yield pending
    finally:
        _stores.pending = None


def store_later(store, *args):
    """store(*args) now, or once the response has gone out (`after_the_response`)."""
    pending = getattr(_stores, "pending", None)
    if pending is None:
        store(*args)
    else:
        pending.append(functools.partial(store, *args))


class Local:
    """The last values read or written, kept in this process as well as in the cache, for
    keys that can never be stale: a page's key holds the data version and a piece's key its
    inputs, so a value found here is exactly what the shared cache holds, held or would hold
    for that key. It saves reading a few hundred kilobytes from Redis on every request. Least
    recently used values go first past LOCAL_BYTES."""

    def __init__(self, max_bytes):
        self.max_bytes = max_bytes
        self.values = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            entry = self.values.get(key)
            if entry is None:
                return None
            self.values.move_to_end(key)
            return entry[0]

    def get_many(self, keys):
        """[get(key) for key in keys], under one lock."""
        with self.lock:
            values = [self.values.get(key) for key in keys]
            for key, entry in zip(keys, values, strict=True):
                if entry is not None:
                    self.values.move_to_end(key)
        return [entry[0] if entry is not None else None for entry in values]

    def put(self, key, value, size):
        if size > self.max_bytes // 4:
            return
        with self.lock:
            old = self.values.pop(key, None)
            if old is not None:
                self.size -= old[1]
            self.values[key] = (value, size)
            self.size += size
            while self.size > self.max_bytes:
                _, (_, dropped) = self.values.popitem(last=False)
                self.size -= dropped

    def clear(self):
        with self.lock:
            self.values.clear()
            self.size = 0


local = kept_in_memory(Local(LOCAL_BYTES))


def _replace_token():
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)


def _replace_tokens():
    cache.set_many({VERSION_KEY: uuid.uuid4().hex, SHARED_KEY: uuid.uuid4().hex}, None)


def raise_version(*, shared=True):
    """Raise the database's version number now (inside the caller's transaction) and replace
    the cache token once the transaction commits. `shared=False` only for a change to cells
    (their values or provisions) and nothing else: what pages show besides the cells
    (`Version.shared`) stays as it was."""
    from legislation.models import DataVersion

    now = timezone.now()
    raised = {"number": F("number") + 1, "changed_at": now}
    if shared:
        raised["shared"] = F("shared") + 1
    if not DataVersion.objects.filter(pk=1).update(**raised):
        DataVersion.objects.get_or_create(
            pk=1, defaults={"number": 1, "shared": 1, "changed_at": now}
        )
    transaction.on_commit(_replace_tokens if shared else _replace_token)


def bump(**kwargs):
    """For writes that bypass the signals: the public data has changed (all of it)."""
    raise_version(shared=True)


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
        f"(SELECT shared FROM {version} WHERE id = 1)",  # noqa: S608
        *(f"(SELECT MAX({quote(column)}) FROM {quote(table)})" for table, column in tables),  # noqa: S608
    ]
    return "SELECT " + ", ".join(parts)


class Version(str):
    """The data version as text (for keys and ETags), with the time of the last change and
    `shared_parts`: what stays while only cells change (see `shared_version`)."""

    changed_at: datetime.datetime | None = None
    shared_parts: str = ""
    shared: str | None = None  # shared_version(), once read
    shared_token: str | None = None  # the cache's token for it, read with the version's


def _token(key, found):
    """The cache's token under `key` (`found` if read already), made now if there is none."""
    if found is None:
        made = uuid.uuid4().hex
        cache.add(key, made, None)
        found = cache.get(key, made)  # another process's, if it made one first
    return found


def data_version():
    # Both tokens in one round trip: a page not cached reads the shared one too.
    tokens = cache.get_many([VERSION_KEY, SHARED_KEY])
    token = _token(VERSION_KEY, tokens.get(VERSION_KEY))
    with connection.cursor() as cursor:
        cursor.execute(_fingerprint_sql())
        number, changed_at, shared, *maxima = cursor.fetchone()
    version = Version(f"{token}|{number}|" + "|".join(str(v) for v in maxima))
    # Not the cells' and their evidence's: the newest cell and history rows of cells,
    # provisions, instruments and sources (maxima[0:5]) change with them.
    version.shared_parts = f"{shared}|" + "|".join(str(v) for v in maxima[5:])
    version.shared_token = tokens.get(SHARED_KEY)
    if isinstance(changed_at, str):  # SQLite answers a raw subquery with text
        changed_at = datetime.datetime.fromisoformat(changed_at)
    if changed_at is not None and timezone.is_naive(changed_at):
        changed_at = timezone.make_aware(changed_at, datetime.UTC)
    version.changed_at = changed_at
    return version


def shared_version(version):
    """The version of everything public except the cells and the evidence they cite
    (sources, instruments, provisions), for values read from it that such a change cannot
    alter (the filter's choices, published ratings, the countries of a filter): the
    database's `shared` number (raised by every other public change, and by `bump()`), the
    newest history rows of treaty records (writes that bypass the signals but keep history),
    and a cache token replaced when `shared` is raised (as `data_version`'s is), read with
    the version's. What shows cells or their sources is keyed by the cells versions
    (`CellsVersion`), which the database raises for any change to either."""
    if version.shared is None:
        token = _token(SHARED_KEY, version.shared_token)
        version.shared = f"{token}|{version.shared_parts}"
    return version.shared


class Remembered:
    """Values kept in this process under keys that say what they were made from (the oldest
    go first past `max_entries`): `remembered` keeps values read from the database under the
    shared version they were read at (`shared_version`), so that after a change to cells
    only a page reuses them rather than reading them again, and finds in the shared cache
    those another worker read first. Values are shared between requests: never change them."""

    def __init__(self, max_entries):
        self.max_entries = max_entries
        self.values = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key, read, cache_key=None):
        """The value kept for `key`; else the shared cache's under cache_key() (if given);
        else read(), kept in both."""
        value = self.find(key)
        if value is not None:
            return value
        shared_key = cache_key() if cache_key else None
        value = cache.get(shared_key) if shared_key else None
        if value is None:
            value = read()
            if shared_key:
                store_later(cache.set, shared_key, value, TIMEOUT)
        self.keep(key, value)
        return value

    def find(self, key):
        """The value kept in this process for `key`, or None."""
        with self.lock:
            if key in self.values:
                self.values.move_to_end(key)
                return self.values[key]
        return None

    def keep(self, key, value):
        with self.lock:
            self.values[key] = value
            while len(self.values) > self.max_entries:
                self.values.popitem(last=False)

    def clear(self):
        with self.lock:
            self.values.clear()


remembered = kept_in_memory(Remembered(64))


def unchanged_by_cells(version, name, read):
    """read(), or what it gave before at the same shared version (see `shared_version`),
    in this process or another (the cache key also holds the code's fingerprint: the values
    may be model instances). Without a version (no page cache in play), read() every time."""
    if version is None:
        return read()
    shared = shared_version(version)
    key = (name, shared)
    return remembered.get(key, read, lambda: piece_key(("unchanged by cells", *key)))


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


@functools.cache
def code_fingerprint():
    """A hash of the code that renders pieces (the app, its URLs, templates and static file
    names), read once per process: a deployment that renders differently starts afresh."""
    root = Path(__file__).resolve().parents[2]
    digest = hashlib.sha256()
    files = [*root.glob("legislation/**/*.py"), *root.glob("config/*.py")]
    files += root.glob("templates/**/*.html")
    for path in sorted(files):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    # The hashed names of the static files a page links to (collectstatic's manifest).
    from django.contrib.staticfiles.storage import staticfiles_storage

    digest.update(str(getattr(staticfiles_storage, "manifest_hash", "")).encode())
    return digest.hexdigest()


def piece_key(inputs):
    """The cache key of a piece: a hash of its inputs, plain values (text, numbers, dates,
    tuples, enums, frozen dataclasses) pickled without a memo, so that equal values give
    equal bytes whichever objects hold them (and different values never do)."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=5)
    pickler.fast = True
    pickler.dump((code_fingerprint(), inputs))
    return "legislation:piece:" + hashlib.sha256(buffer.getbuffer()).hexdigest()


def pieces(inputs, render, *, shared_from=1):
    """[render(i) for i, _ in enumerate(inputs)], each read from the cache when a piece with
    the same inputs was rendered before. `inputs[i]` must hold everything piece i shows:
    it is the whole key, with no data version. At most one cache round trip for the lot.

    This process finds its own pieces by the inputs themselves, before hashing them: a page
    of a few hundred rows whose inputs did not change costs a few dictionary lookups. (Equal
    inputs are the same inputs: each piece's inputs hold values of fixed types, so `1` and
    `True` never meet in one place.) The shared cache is asked (and told) only when at least
    `shared_from` pieces are missing here: a few cheap pieces (a table's rows after a change)
    cost less to render than a round trip, many (a worker's first page) far more."""
    local_keys = [_local_key(value) for value in inputs]
    values = local.get_many(local_keys)
    keys = [None if value is not None else piece_key(inputs[i]) for i, value in enumerate(values)]
    wanted = [key for key in keys if key is not None]
    if len(wanted) < shared_from:
        wanted = []
    found = cache.get_many(wanted) if wanted else {}
    missing = {}
    for index, key in enumerate(keys):
        if values[index] is None:
            value = found.get(key)
            if value is None:
                value = missing[key] = render(index)
            values[index] = value
            local.put(local_keys[index], value, len(value))
    if missing and wanted:
        store_later(cache.set_many, missing, TIMEOUT)
    return values


def _local_key(inputs):
    """This process's key for a piece: the inputs themselves when they can be hashed (tuples
    of plain values), else their digest."""
    try:
        hash(inputs)
    except TypeError:
        return piece_key(inputs)
    return ("piece", inputs)


def piece(inputs, render):
    """One piece: render() once for these inputs (see `pieces`)."""
    return pieces([inputs], lambda index: render())[0]


# Frames: a page kept as a piece with holes, filled on each request with pieces of their own,
# so that the few hundred kilobytes of a table and a map are never rendered (or stored) again
# for a change to the text around them, nor that text for a change to one of their rows.

HOLE = "<!-- hole {} -->"  # a comment: escaped text can never write its "<"


def hole(name):
    """Where `framed` puts the piece called `name`."""
    return mark_safe(HOLE.format(name))  # noqa: S308 (a constant)


def framed(inputs, render, fill):
    """render(), kept as a piece under `inputs` (everything it shows but its holes), with each
    `hole(name)` in it replaced by the HTML `fill[name]`. render() must hold each hole once;
    what is filled in is never searched again.

    The filled frame is a list of HTML strings, and a fill may be such a list (another
    frame, a table's rows): the lot is joined once, by whatever sends or shows it, so that a
    page of half a megabyte is copied once rather than once per frame (`joined`)."""

    def checked():
        frame = str(render())
        for name in fill:
            if frame.count(HOLE.format(name)) != 1:
                raise ValueError(f"a frame must hold the hole {name!r} exactly once")
        return frame

    frame = piece(inputs, checked)
    parts = []
    # The split gives text, name, text, name, …, text: the names are the holes to fill.
    for index, part in enumerate(by_identity.get(frame, ("split", tuple(fill)), _split)):
        part = fill[part] if index % 2 else part
        if isinstance(part, list):
            parts.extend(part)
        else:
            parts.append(part)
    return parts


def _split(frame, how):
    return _holes(how[1]).split(frame)


def joined(parts):
    """A filled frame (`framed`) as one string, for a template."""
    return mark_safe("".join(parts))  # noqa: S308 (a safe frame and safe pieces)


def encoded(parts):
    """A filled frame (`framed`) as the UTF-8 bytes of a response. Each part is encoded once
    for as long as this process keeps it: a page is a few hundred kept pieces, and encoding
    its half megabyte (status symbols make it more than ASCII) cost as much as rendering the
    few rows a change touched."""
    return b"".join([by_identity.get(part, "utf-8", _encode) for part in parts])


def _encode(text, how):
    return text.encode(how)


class ByIdentity:
    """Values made from objects this process keeps (pieces, frames), found by the object
    itself rather than by its value: looking a large string up by value would hash or
    compare all of it. Each entry holds its object, so that an id is never taken by another
    object while its entry lives (`is` is checked). Kept in a `Remembered`: the least
    recently used go first past `max_entries`."""

    def __init__(self, max_entries):
        self.kept = Remembered(max_entries)

    def get(self, obj, how, make):
        """make(obj, how), once per object and `how` while kept."""
        key = (id(obj), how)
        entry = self.kept.find(key)
        if entry is not None and entry[0] is obj:
            return entry[1]
        value = make(obj, how)
        self.kept.keep(key, (obj, value))
        return value

    def clear(self):
        self.kept.clear()


# A page's rows, map and frames, each encoded (and each frame split) once: about ten pages' worth
# (each entry holds its text and its bytes: a few tens of megabytes at most).
by_identity = kept_in_memory(ByIdentity(4096))


@functools.lru_cache(maxsize=64)
def _holes(names):
    """A pattern whose split gives text, name, text, name, …, text."""
    start, end = HOLE.split("{}")
    choices = "|".join(re.escape(name) for name in names)
    return re.compile(f"{re.escape(start)}({choices}){re.escape(end)}")
