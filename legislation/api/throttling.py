from django.conf import settings
from rest_framework.throttling import AnonRateThrottle


class AnonymousThrottle(AnonRateThrottle):
    """Per client address; the rate comes from the API_ANON_RATE setting, read per request."""

    scope = "anon"

    def get_rate(self):
        return settings.API_ANON_RATE
