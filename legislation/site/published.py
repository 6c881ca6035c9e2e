"""Any public page as published on a date or in a data release: the request's moment, its
banner, its links.

`published_view` reads `?as_of=` or `?release=` through `PublishedOnForm` before the view runs
(bad or future dates and unknown releases get a 400 with the message), and leaves
`request.published_on` for the view to pass as `at=` to the matrix and report builders.
Templates read it for the banner and for links that keep the date or release.
"""

import functools
from dataclasses import dataclass
from urllib.parse import urlencode

from django.shortcuts import render

from legislation.site.forms import PublishedOnForm

# The query parameters that name a past moment; "today's version" drops them all.
MOMENT_PARAMETERS = ("as_of", "release")

# The pages that can be shown as published on a date or in a release (`published_view`): a
# link from one of them to another keeps the date (`PublishedOn.keep`, the `dated_url` and
# `keep_date` template tags, the `keep=` of the table and map builders).
DATED_PAGES = (
    "home",
    "compare",
    "figures",
    "countries",
    "country",
    "country-gaps",
    "country-gaps-pdf",
    "country-gaps-docx",
    "criteria",
    "criterion",
    "report-gaps",
    "compare-countries",
)


@dataclass(frozen=True)
class PublishedOn:
    day: object = None  # datetime.date, or None for today's version
    moment: object = None  # the instant shown: the end of `day` in UTC, or a release's cut
    release: object = None  # the Release whose cut is shown, if one was named

    @property
    def fields(self):
        """The (name, value) pairs that name this moment in a query string (none for today)."""
        if self.release:
            return (("release", self.release.version),)
        return (("as_of", self.day.isoformat()),) if self.day else ()

    @property
    def query(self):
        """The query-string pair that keeps the date or release on a link ("" for today)."""
        return urlencode(self.fields)

    def keep(self, url):
        """`url` with the date or release kept, so following it stays in the same past."""
        if not self.query:
            return url
        return f"{url}{'&' if '?' in url else '?'}{self.query}"


TODAY = PublishedOn()


def read_published_on(params):
    """(PublishedOn, None) or (None, form with errors)."""
    form = PublishedOnForm(params)
    if not form.is_valid():
        return None, form
    release = form.cleaned_data.get("release")
    if release:
        return PublishedOn(release.cut_at.date(), form.moment(), release), None
    day = form.cleaned_data.get("as_of")
    return (PublishedOn(day, form.moment()) if day else TODAY), None


def published_view(view):
    """Parse `as_of` or `release` before the view; answer a clear 400 when it is bad."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        published_on, form = read_published_on(request.GET)
        if form is not None:
            return render(
                request, "legislation/site/bad_date.html", {"date_form": form}, status=400
            )
        request.published_on = published_on
        return view(request, *args, **kwargs)

    return wrapper


def at(request):
    """The moment a view shows: None (today) unless `?as_of=` or `?release=` named one."""
    return getattr(request, "published_on", TODAY).moment


def context(request):
    """Context processor: `published_on` for the banner and `dated_url`."""
    return {"published_on": getattr(request, "published_on", TODAY)}
