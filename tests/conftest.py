import os

import pytest
from django.core.management import call_command

from legislation.models import Country


def load_quietly():
    with open(os.devnull, "w") as devnull:
        call_command("load_reference_data", stdout=devnull)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    # Loading 196 countries and ~5,000 cells once per session keeps the suite fast; each test
    # still runs in its own transaction and is rolled back.
    with django_db_blocker.unblock():
        load_quietly()


@pytest.fixture
def reference_data(db):
    """The real reference data, as `make run` loads it. Transactional tests (the browser ones)
    flush the database when they end, so it is reloaded whenever it is missing."""
    if not Country.objects.exists():
        load_quietly()
