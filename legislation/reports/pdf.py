"""Briefings as PDF: the page's own HTML (the same `_gap_report_body.html`) printed by
WeasyPrint with the print stylesheet, so the PDF and the page cannot drift apart. User-entered
text only enters the PDF escaped by the template engine.
"""

import logging
import mimetypes
from pathlib import PurePosixPath
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.template.loader import render_to_string

# Without a request (scripts, tests) the PDF is rendered against this made-up origin;
# ".invalid" can never resolve on a real network (RFC 2606).
PDF_BASE_URL = "https://briefing.invalid/"


def local_only_fetcher(base_url=PDF_BASE_URL):
    """A fetcher that serves our own static files and data: URIs and refuses everything else,
    so a link or an image URL in user text can never make the server fetch over the network.

    WeasyPrint is imported here, not at module level: importing it parses its stylesheets and
    logs each step, which every management command would otherwise pay for and print.
    """
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    # The shared stylesheets use screen-only features (sticky headers, narrow-screen media
    # queries) that WeasyPrint ignores with a warning on every render; they are expected.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    # The page's {% static %} links resolve against the site's own address; the fetcher
    # answers them from disk, so even our own server is never asked over the network.
    static_prefix = urljoin(base_url, settings.STATIC_URL)

    class LocalOnlyFetcher(URLFetcher):
        def __init__(self):
            super().__init__(allowed_protocols={"data"}, allow_redirects=False)

        def fetch(self, url, headers=None):
            if url.startswith(static_prefix):
                name = url[len(static_prefix) :].split("?")[0].split("#")[0]
                body = read_static(name)
                if body is None:
                    raise ValueError(f"No such static file: {name}")
                mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, body, {"Content-Type": mime})
            if url.startswith("data:"):
                return super().fetch(url, headers)
            raise ValueError(f"Briefings never fetch over the network: {url[:80]}")

    return LocalOnlyFetcher()


def read_static(name):
    """A static file's bytes, from the source tree or the collected (hashed) files."""
    if ".." in PurePosixPath(name).parts:
        return None
    path = finders.find(name)
    if path:
        with open(path, "rb") as handle:
            return handle.read()
    if staticfiles_storage.exists(name):
        with staticfiles_storage.open(name) as handle:
            return handle.read()
    return None


def render_document(template, ctx, base_url=PDF_BASE_URL):
    """The template laid out in pages by WeasyPrint (its `pages` can be inspected);
    `base_url` (the site's address) makes its links absolute."""
    fetcher = local_only_fetcher(base_url)
    from weasyprint import HTML

    html = render_to_string(template, ctx)
    return HTML(string=html, base_url=base_url, url_fetcher=fetcher).render()


WARM_UP_PAGE = (
    '<!doctype html><html lang="en"><head><link rel="stylesheet" href="{css}"></head>'
    "<body><h1>Briefing</h1><table><caption>Cells</caption><tr><td>met</td></tr></table>"
    "</body></html>"
)


def warm_up():
    """Print one small page with the print stylesheet. A process's first document otherwise
    pays for importing WeasyPrint and loading fonts (about 0.4 s here, twice a warm render);
    a server worker calls this as it starts (config/gunicorn.py), so no visitor waits for it."""
    fetcher = local_only_fetcher()
    from weasyprint import HTML

    css = urljoin(PDF_BASE_URL, settings.STATIC_URL) + "legislation/print.css"
    page = HTML(string=WARM_UP_PAGE.format(css=css), base_url=PDF_BASE_URL, url_fetcher=fetcher)
    return page.render().write_pdf()


def render_pdf(template, ctx, base_url=PDF_BASE_URL):
    """The template printed to PDF."""
    return render_document(template, ctx, base_url).write_pdf()


def gap_report_document(report, base_url=PDF_BASE_URL):
    ctx = {"report": report, "for_print": True}
    return render_document("legislation/reports/gap_report_print.html", ctx, base_url)


def gap_report_pdf(report, base_url=PDF_BASE_URL):
    return gap_report_document(report, base_url).write_pdf()


def regional_report_pdf(report, ctx, base_url=PDF_BASE_URL):
    return render_pdf(
        "legislation/reports/report_gaps_print.html", {**ctx, "for_print": True}, base_url
    )
