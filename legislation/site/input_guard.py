"""Input no view should ever see: refused once, here, for every address (public, staff, admin).

- NUL characters in the path, a parameter name or value: PostgreSQL cannot store or compare
  them (it raises instead of answering "not found"), so they are a 400 before any query;
- `page` and `per_page` that are not whole numbers in a sane range (tables and paginators
  divide by them);
- date parameters (`as_of`, `on`, …) outside the years a record can have: Python's dates end
  at 9999, and arithmetic near that end overflows.

Everything else is each form's job. The answer is a short plain page that says what was wrong
and never repeats the input; under /api/ it is the API's own error shape, `{"detail": ...}`
in JSON, as its schema documents.
"""

import re

from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.html import escape

PAGE_LIMITS = {"page": (1, 100_000), "per_page": (1, 1_000)}
DATE_PARAMETERS = {"as_of", "on", "since", "until", "date"}
FIRST_YEAR, LAST_YEAR = 1000, 9000
DATE_RE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:[T ].*)?")


def bad_request(message):
    page = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Bad request</title>"
        f"</head><body><h1>Bad request</h1><p>{escape(message)}</p>"
        "<p><a href='/'>Home page</a></p></body></html>"
    )
    return HttpResponseBadRequest(page, content_type="text/html; charset=utf-8")


def _items(query):
    for name in query:
        for value in query.getlist(name):
            yield name, value


def problem(request):
    """What is wrong with this request's path and parameters, or None."""
    if "\x00" in request.path or "\x00" in request.META.get("QUERY_STRING", ""):
        return "The address contains a NUL character, which no address of this site has."
    posted = []
    if request.method == "POST" and not request.content_type.startswith("multipart/"):
        posted = list(_items(request.POST))
    for name, value in posted:
        if "\x00" in name or "\x00" in value:
            return f"The field “{name[:40]}” contains a NUL character."
    # Only the address's parameters: a form may well have a field called "page" (a source's).
    for name, value in _items(request.GET):
        if "\x00" in name or "\x00" in value:
            return f"The parameter “{name[:40]}” contains a NUL character."
        message = None
        if name in PAGE_LIMITS:
            message = _check_number(name, value)
        elif name in DATE_PARAMETERS and value.strip():
            message = _check_date(name, value.strip())
        if message:
            return message
    return None


def _check_number(name, value):
    low, high = PAGE_LIMITS[name]
    if not value.isdigit() or not low <= int(value) <= high:
        return f"“{name}” must be a whole number from {low} to {high:,}."
    return None


def _check_date(name, value):
    """Only the range: a date that is not one at all is for the page's form to explain."""
    match = DATE_RE.fullmatch(value)
    if match is not None and not FIRST_YEAR <= int(match.group(1)) <= LAST_YEAR:
        return f"“{name}” must be a date in the years {FIRST_YEAR} to {LAST_YEAR}."
    return None


class InputGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        message = problem(request)
        if message and request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=400)
        if message:
            return bad_request(message)
        return self.get_response(request)
