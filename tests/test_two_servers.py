"""Two real server processes (gunicorn, one worker each) on one database: a public change
saved through the admin of one (a group's name, shown on every member's profile) is seen by
the other at its very next request, with a shared Redis cache (CACHE_URL) and with each
process's own memory cache alike."""

import html
import html.parser
import http.cookiejar
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PORTS = (8141, 8142)
REDIS_URL = os.environ.get("CACHE_URL") or "redis://127.0.0.1:6379/1"
PASSWORD = "two-servers-pw"  # noqa: S105 (a throwaway account in a scratch database)


def redis_reachable():
    import redis

    try:
        return redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping()
    except redis.RedisError:
        return False


@pytest.fixture(scope="module")
def scratch_env():
    """A scratch database with the reference data and a superuser, for the servers only."""
    env = {k: v for k, v in os.environ.items() if k not in ("CACHE_URL", "SQLITE_PATH")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_SECRET_KEY="two-servers-only",
        DJANGO_DEBUG="false",
        DJANGO_HTTPS="false",
        DJANGO_COLLECTED_STATIC="false",
        DJANGO_REQUIRE_2FA="false",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SUPERUSER_PASSWORD=PASSWORD,
    )
    folder = tempfile.TemporaryDirectory()
    database_url = os.environ.get("DATABASE_URL", "")
    if database_url:
        import psycopg

        base, name = database_url.rsplit("/", 1)
        scratch = f"{name}_two_servers"
        with psycopg.connect(base + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
            conn.execute(f'CREATE DATABASE "{scratch}"')
        env["DATABASE_URL"] = f"{base}/{scratch}"
    else:
        env["SQLITE_PATH"] = str(Path(folder.name) / "two-servers.sqlite3")
    manage = [sys.executable, "manage.py"]
    for args in (
        ["migrate", "-v0"],
        ["load_reference_data"],
        ["createsuperuser", "--noinput", "--username", "admin", "--email", "a@example.org"],
    ):
        subprocess.run(manage + args, cwd=ROOT, env=env, check=True, capture_output=True)  # noqa: S603
    yield env
    if database_url:
        with psycopg.connect(base + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
    folder.cleanup()


def start_servers(env):
    servers = []
    for port in PORTS:
        command = [
            sys.executable, "-m", "gunicorn", "config.wsgi:application",
            "--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "60",
        ]  # fmt: skip
        servers.append(
            subprocess.Popen(  # noqa: S603
                command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
        )
    deadline = time.monotonic() + 60
    for port in PORTS:
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)  # noqa: S310
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
    return servers


class FormFields(html.parser.HTMLParser):
    """The named inputs and textareas of a page's forms, as the browser would send them."""

    def __init__(self):
        super().__init__()
        self.fields, self._textarea = {}, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name") and attrs.get("type") not in ("submit", "file"):
            if attrs.get("type") != "checkbox" or "checked" in attrs:
                self.fields[attrs["name"]] = attrs.get("value") or ""
        elif tag == "textarea" and attrs.get("name"):
            self._textarea = attrs["name"]
            self.fields[self._textarea] = ""

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None


class Browser:
    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def get(self, path):
        with self.opener.open(self.base + path, timeout=60) as response:
            return html.unescape(response.read().decode()), response.headers

    def submit(self, path, changes):
        page, _ = self.get(path)
        form = FormFields()
        form.feed(page)
        data = urllib.parse.urlencode({**form.fields, **changes}).encode()
        with self.opener.open(self.base + path, data=data, timeout=60) as response:
            return response.read().decode()


def group_of_france(env):
    code = (
        "from legislation.models import Country; "
        "g = Country.objects.get(iso2='FR').groups.order_by('pk').first(); "
        "print(g.pk); print(g.name)"
    )
    done = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    group_id, name = done.stdout.strip().splitlines()[-2:]
    return group_id, name


@pytest.mark.parametrize("cache", ["redis", "memory"])
def test_a_change_saved_through_one_server_shows_on_the_other_at_once(scratch_env, cache):
    env = dict(scratch_env)
    if cache == "redis":
        if not redis_reachable():
            pytest.skip(f"no Redis at {REDIS_URL} (.ci/run starts one)")
        env["CACHE_URL"] = REDIS_URL
    group_id, name = group_of_france(env)
    servers = start_servers(env)
    try:
        first, second = Browser(PORTS[0]), Browser(PORTS[1])
        page, headers = second.get("/countries/fr/")
        assert name in page
        _, again = second.get("/countries/fr/")
        assert again["ETag"] == headers["ETag"]  # the second server has it cached
        first.submit("/admin/login/?next=/admin/", {"username": "admin", "password": PASSWORD})
        revised = f"{name} (renamed, {cache})"
        first.submit(f"/admin/legislation/countrygroup/{group_id}/change/", {"name": revised})
        page, after = second.get("/countries/fr/")
        assert revised in page
        assert after["ETag"] != headers["ETag"]
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
