"""Which request failed: one log line per server error (and per slow request), with a request
id that the response also carries (X-Request-ID, or the proxy's own id when it sends one).

The line names method, path, status, duration and the user's id, never a name or a parameter
value (queries can hold what people typed). Django's own `django.request` logger still logs
the traceback; the id ties the two together.
"""

import logging
import re
import time
import uuid

logger = logging.getLogger("legislation.requests")
SLOW_SECONDS = 10
REQUEST_ID_RE = re.compile(r"[A-Za-z0-9._-]{8,64}")


def request_id(request):
    given = request.META.get("HTTP_X_REQUEST_ID", "")
    return given if REQUEST_ID_RE.fullmatch(given) else uuid.uuid4().hex


class FailedRequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request_id(request)
        started = time.monotonic()
        response = self.get_response(request)
        seconds = time.monotonic() - started
        response["X-Request-ID"] = request.request_id
        if response.status_code >= 500 or seconds > SLOW_SECONDS:
            user = getattr(request, "user", None)
            level = logging.ERROR if response.status_code >= 500 else logging.WARNING
            logger.log(
                level,
                "request %s: %s %s answered %s in %.0f ms (user id %s)",
                request.request_id,
                request.method,
                request.path[:200],
                response.status_code,
                seconds * 1000,
                getattr(user, "pk", None) if user is not None and user.is_authenticated else "-",
            )
        return response
