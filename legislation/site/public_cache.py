"""Public pages and downloads: one canonical address each, conditional answers, a shared page
cache per data version, and a bound on heavy documents. One middleware, before the session.

- **Canonical addresses.** A public page accepts the parameters of its form (plus `as_of`
  or `release`, the fields of `PublishedOnForm`, and the table's `sort`/`page`/`per_page`);
  an address with any other parameter (`?utm_source=…`) is redirected, permanently, to the
  same address without it, so it never renders and never makes a cache entry of its own.
- **Anonymous visitors** (no session cookie, no message waiting) see a page that depends on
  the address and the data version only. It carries an ETag and a Last-Modified from the data
  version (a matching conditional GET is a 304 before any rendering), a `Cache-Control` a CDN
  can honour, and is kept in the cache (per-process memory, or Redis with CACHE_URL) until
  the data changes. Signed-in staff always get a fresh page.
- **Heavy documents** (country and regional PDF and Word files) take one of
  HEAVY_DOCUMENT_CONCURRENCY slots of the host while they render, for everyone; without a
  free slot the answer is an immediate 429 with Retry-After (and a page that retries). The
  slots are shared by every worker process of the host whatever the cache, so a burst of
  document requests can never occupy every worker; a cached document needs no slot.
"""

import fcntl
import functools
import hashlib
import logging
import os

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.urls import Resolver404, resolve
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date

from legislation.site import cache as datacache
from legislation.site.forms import PublishedOnForm

NAMESPACE = "legislation"
STAFF_PAGES = {"country_history", "criterion_history"}  # name people; never cached or shared
EVERY_PAGE = set(PublishedOnForm.base_fields)  # as_of, release: the moment a page shows
TABLE = {"sort", "page", "per_page"}
HEAVY = {"country-gaps-pdf", "country-gaps-docx"}
HEAVY_EXPORTS = {"report-gaps": ("pdf", "docx")}
KEPT_HEADERS = ("Content-Type", "Content-Disposition", "Content-Language")

logger = logging.getLogger(__name__)


@functools.cache
def parameters():
    """Each public page's parameters, read from its form so that a new field is accepted."""
    from legislation.site.filters import CompareFilter
    from legislation.site.forms import (
        ChangesForm,
        ChartsForm,
        CountrySearchForm,
        RegionalReportForm,
        SideBySideForm,
    )

    compare = set(CompareFilter.base_filters) | TABLE | {"_export"}
    return {
        "compare": compare,
        "figures": set(CompareFilter.base_filters),
        "countries": set(CountrySearchForm.base_fields) | TABLE,
        "report-gaps": set(RegionalReportForm.base_fields),
        "compare-countries": set(SideBySideForm.base_fields),
        "changes": set(ChangesForm.base_fields) | TABLE | {"from"},  # `from_` is sent as `from`
        "charts": set(ChartsForm.base_fields),
    }


def is_anonymous_and_quiet(request):
    """No session (so no login) and no message waiting: the page depends on the URL only."""
    return settings.SESSION_COOKIE_NAME not in request.COOKIES and "messages" not in request.COOKIES


def canonical_redirect(request, name):
    allowed = parameters().get(name, set()) | EVERY_PAGE
    if all(key in allowed for key in request.GET):
        return None
    query = request.GET.copy()
    for key in [k for k in query if k not in allowed]:
        del query[key]
    target = request.path + ("?" + query.urlencode() if query else "")
    response = HttpResponsePermanentRedirect(target)
    response["Cache-Control"] = f"public, max-age={settings.PUBLIC_CACHE_SECONDS}"
    return response


def is_heavy(request, name):
    return name in HEAVY or request.GET.get("export") in HEAVY_EXPORTS.get(name, ())


def take_slot():
    """A free rendering slot of this host, now held (an open file), or None.

    Slot n is an exclusive `flock` on file n of HEAVY_DOCUMENT_SLOT_DIR, taken without
    waiting. The kernel drops a lock when its process ends, however it ends (a worker killed
    by gunicorn's timeout included), so a slot can never leak, and no timeout has to guess
    how long a render may take. Per host, like the workers it protects: each host's workers
    are bounded by their own slots, whichever cache the hosts share.
    """
    directory = settings.HEAVY_DOCUMENT_SLOT_DIR
    os.makedirs(directory, mode=0o700, exist_ok=True)
    for number in range(settings.HEAVY_DOCUMENT_CONCURRENCY):
        path = os.path.join(directory, f"slot-{number}.lock")
        slot = open(path, "a")  # noqa: SIM115 (held open while the document renders)
        try:
            fcntl.flock(slot, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            slot.close()
            continue
        return slot
    return None


def release_slot(slot):
    slot.close()  # closing the file releases its lock


RETRY_SECONDS = 10
BUSY_PAGE = (
    "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
    f"<meta http-equiv='refresh' content='{RETRY_SECONDS}'><title>Document being prepared</title>"
    "</head><body><h1>Other documents are being prepared</h1><p>Every document slot is busy "
    f"rendering for other visitors. This page asks again in {RETRY_SECONDS} seconds by itself; "
    "a document already made is served at once.</p></body></html>"
)


def busy():
    """429, not 503: the service is up and answering pages; only this document must wait.
    Browsers retry by the page's refresh, other clients by Retry-After."""
    response = HttpResponse(BUSY_PAGE, status=429, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def validators(request, version):
    text = "\x1f".join([version, request.get_full_path()])
    etag = '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'
    changed = version.changed_at.timestamp() if version.changed_at else None
    return etag, changed


def mark_public(response, etag, changed):
    response["ETag"] = etag
    if changed is not None:
        response["Last-Modified"] = http_date(changed)
    seconds = settings.PUBLIC_CACHE_SECONDS
    response["Cache-Control"] = f"public, max-age=0, s-maxage={seconds}, must-revalidate"
    patch_vary_headers(response, ["Cookie"])
    return response


def storable(response):
    return response.status_code == 200 and not response.streaming and not response.cookies


class PublicPageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = self.public_page(request)
        if name is None:
            return self.get_response(request)
        redirect = canonical_redirect(request, name)
        if redirect is not None:
            return redirect
        if request.method == "GET" and is_anonymous_and_quiet(request):
            return self.anonymous(request, name)
        return self.render(request, name)

    def public_page(self, request):
        if request.method not in ("GET", "HEAD"):
            return None
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        if match.namespace != NAMESPACE or match.url_name in STAFF_PAGES:
            return None
        return match.url_name

    def render(self, request, name):
        if not is_heavy(request, name):
            return self.get_response(request)
        slot = take_slot()
        if slot is None:
            return busy()
        try:
            return self.get_response(request)
        finally:
            release_slot(slot)

    def anonymous(self, request, name):
        version = request.data_version = datacache.data_version()
        etag, changed = validators(request, version)
        not_modified = get_conditional_response(request, etag=etag, last_modified=changed)
        if not_modified is not None:
            return mark_public(not_modified, etag, changed)
        key = datacache.key_for(["page", request.path, request.GET.urlencode()], version)
        stored = datacache.local.get(key) or cache.get(key)
        if stored is not None:
            datacache.local.put(key, stored, len(stored[0]))
            content, headers = stored
            response = HttpResponse(content)
            for header, value in headers.items():
                response[header] = value
            return mark_public(response, etag, changed)
        with datacache.after_the_response() as stores:
            response = self.render(request, name)
        if storable(response):
            headers = {h: response[h] for h in KEPT_HEADERS if h in response}
            stored = (response.content, headers)
            datacache.local.put(key, stored, len(response.content))
            stores.append(functools.partial(cache.set, key, stored, datacache.TIMEOUT))
            mark_public(response, etag, changed)
        # The other workers' copies (the page, and what was read and rendered for it) are
        # stored once the response has gone out: the WSGI server closes a response after
        # sending it, and a page of half a megabyte takes a millisecond or two to store. A
        # worker asked for the page meanwhile renders it itself, as it would have without a
        # shared cache.
        response._resource_closers.append(functools.partial(share, stores))
        return response


def share(stores):
    """Store what a page kept for the other workers; a cache that fails loses only those
    copies (logged: the closers of a response have their errors dropped)."""
    try:
        for store in stores:
            store()
    except Exception:
        logger.exception("Could not store in the shared cache")
