"""What every benchmark shares: the throwaway data set, timing, and the static-file baseline.

Figures are server time (request in, response out, through the whole middleware stack,
in process, no network), median of several runs; SQL query count; response size; and the
ratio to serving a static file of the same size through the same stack (WhiteNoise serving
from an indexed STATIC_ROOT, as in production).
"""

import datetime
import random
import shutil
import statistics
import time
from pathlib import Path

from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

SEED = 2018
JURISDICTION_REGION = "Synthetic jurisdictions"


def create_scratch_postgres(url):
    import psycopg
    from dj_database_url import parse

    name = parse(url)["NAME"]
    if not name.startswith("csem_bench"):
        raise SystemExit(f"refusing to use {name!r}: the bench database name must start csem_bench")
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_scratch_postgres(url):
    import psycopg
    from dj_database_url import parse
    from django.db import connections

    connections.close_all()
    name = parse(url)["NAME"]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


class Bench:
    def __init__(self, workdir):
        self.workdir = Path(workdir)
        self.client = Client()
        self.jurisdictions = 0
        self.results = []

    # The data set ----------------------------------------------------------------------

    def prepare(self):
        """Schema, reference data (196 countries), and every cell of both frameworks filled."""
        import io

        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        call_command("load_reference_data", stdout=io.StringIO())
        from legislation.models import Country

        self.fill(list(Country.objects.all()))

    def fill(self, countries):
        """Assess every cell of these countries with a synthetic status, source and provision."""
        from legislation.models import (
            Assessment,
            Criterion,
            LegalInstrument,
            Provision,
            Source,
        )
        from tests.scenarios import assessed_choices

        rng = random.Random(SEED + len(countries) + self.jurisdictions)
        sources = [
            Source.objects.get_or_create(title=f"Synthetic desk review {n}", page="")[0]
            for n in range(5)
        ]
        instruments = LegalInstrument.objects.bulk_create(
            [
                LegalInstrument(country=c, title=f"Synthetic penal code of {c.name}")
                for c in countries
            ]
        )
        provisions = Provision.objects.bulk_create(
            [Provision(instrument=i, reference="Art. 1") for i in instruments]
        )
        provision_of = {p.instrument.country_id: p for p in provisions}
        leaves = list(Criterion.objects.leaves())
        existing = {
            (a.country_id, a.criterion_id): a
            for a in Assessment.objects.filter(country__in=countries)
        }
        new, changed = [], []
        for country in countries:
            for leaf in leaves:
                choices = assessed_choices(leaf)
                cell = existing.get((country.pk, leaf.pk)) or Assessment(
                    country=country, criterion=leaf
                )
                cell.status = rng.choice(choices)
                cell.as_of = datetime.date(2024, 1, 31)
                cell.evidence_grade = rng.choice("ABCD")
                cell.source = rng.choice(sources)
                cell.note = "Synthetic benchmark value, not legal data."
                (changed if cell.pk else new).append(cell)
        Assessment.objects.bulk_update(
            changed, ["status", "as_of", "evidence_grade", "source", "note"], batch_size=2000
        )
        Assessment.objects.bulk_create(new, batch_size=2000)
        through = Assessment.provisions.through
        cells = Assessment.objects.filter(country__in=countries).values_list("pk", "country_id")
        through.objects.bulk_create(
            [through(assessment_id=pk, provision_id=provision_of[cid].pk) for pk, cid in cells],
            batch_size=5000,
        )
        from legislation.site import cache as datacache

        datacache.bump()  # bulk writes bypass the signals

    def with_jurisdictions(self, total):
        """Grow the data set to `total` synthetic jurisdictions (idempotent), all cells filled."""
        from legislation.models import Country

        if self.jurisdictions >= total:
            return
        start = self.jurisdictions
        made = Country.objects.bulk_create(
            [
                Country(
                    iso2=_code(n),
                    iso3=_code3(n),
                    name=f"Synthetic jurisdiction {n:04d}",
                    region=JURISDICTION_REGION,
                    subregion=f"Synthetic federation {n % 20:02d}",
                    un_status="other",
                )
                for n in range(start, total)
            ]
        )
        self.jurisdictions = total
        self.fill(made)

    # Measuring -------------------------------------------------------------------------

    def measure(self, label, url, *, runs=7, cached=False, before=None):
        """Median server time, queries, size; `cached=False` empties the cache (the shared one
        and this process's copies) before each run; `before()`, if given, runs untimed before
        each run instead (e.g. a change to the data), with the cache kept."""
        from legislation.site import cache as datacache

        def empty():
            cache.clear()
            datacache.forget()  # and everything each process keeps from the data

        times = []
        response = None
        if cached or before:
            self.client.get(url)  # fill the cache first
        for _ in range(runs):
            if before:
                before()
            elif not cached:
                empty()
            start = time.perf_counter()
            response = self.client.get(url)
            times.append(time.perf_counter() - start)
            assert response.status_code == 200, (url, response.status_code)
        if before:
            before()
        elif not cached:
            empty()
        with CaptureQueriesContext(connection) as queries:
            self.client.get(url)
        result = {
            "label": label,
            "url": url,
            "median_ms": statistics.median(times) * 1000,
            "queries": len(queries.captured_queries),
            "bytes": len(response.content),
        }
        self.results.append(result)
        return result

    def static_baseline(self, size, runs=25):
        """Median time to serve a static file of `size` bytes through WhiteNoise."""
        root = self.workdir / "static_root"
        root.mkdir(exist_ok=True)
        name = f"bench-{size}.txt"
        (root / name).write_bytes(b"x" * size)
        with override_settings(
            STATIC_ROOT=root,
            WHITENOISE_USE_FINDERS=False,
            WHITENOISE_AUTOREFRESH=False,
            STORAGES={
                "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
            },
        ):
            client = Client()  # a fresh handler: WhiteNoise indexes STATIC_ROOT at start-up
            url = f"/static/{name}"
            client.get(url)
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                response = client.get(url)
                body = b"".join(response.streaming_content)
                times.append(time.perf_counter() - start)
                assert len(body) == size, (len(body), size)
        return statistics.median(times) * 1000

    def report(self, results, title):
        print(f"\n{title}")
        header = (
            f"{'what':44} {'median ms':>10} {'queries':>8} {'bytes':>10} "
            f"{'static ms':>10} {'ratio':>7}"
        )
        print(header)
        print("-" * len(header))
        for r in results:
            static = self.static_baseline(r["bytes"])
            r["static_ms"] = static
            r["ratio"] = r["median_ms"] / static
            print(
                f"{r['label']:44} {r['median_ms']:10.1f} {r['queries']:8d} {r['bytes']:10d} "
                f"{static:10.2f} {r['ratio']:6.1f}x"
            )

    def close(self):
        from django.db import connections

        connections.close_all()
        shutil.rmtree(self.workdir, ignore_errors=True)


_A62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# ISO alpha-2 codes are two upper-case letters; synthetic codes are every other pair.
_CODES2 = [a + b for a in _A62 for b in _A62 if not (a.isupper() and b.isupper())]


def _code(n):
    return _CODES2[n]


def _code3(n):
    """Three characters starting with a digit: never an ISO alpha-3 code."""
    return _A62[n // 3844 % 10] + _A62[n // 62 % 62] + _A62[n % 62]
