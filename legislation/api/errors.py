"""Every API error is JSON with a sentence a person can act on."""

from django.conf import settings
from rest_framework import exceptions
from rest_framework.views import exception_handler


def handle(exc, context):
    if isinstance(exc, exceptions.Throttled):
        wait = int(exc.wait or 1)
        exc.detail = (
            f"Too many requests: anonymous clients may make {settings.API_ANON_RATE} "
            f"requests (per address). Try again in {wait} seconds, or download a data release "
            "from /data/ to work with everything at once."
        )
    return exception_handler(exc, context)
