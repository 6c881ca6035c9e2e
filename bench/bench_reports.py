"""Benchmark: one country's gap report as HTML, PDF and Word, for a fully assessed country whose
peers are fully assessed too (the largest report the data can produce: every criterion
assessed, every gap with candidate peers in all 195 other countries).

Prints the median time, the number of queries and the size of each. Runs in a throwaway
database of its own (created, filled, dropped), so it never touches real records.

    python bench/bench_reports.py        # standalone
    bench/run.py                          # calls run() with the other benchmarks
"""

import datetime
import os
import random
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COUNTRY = "ph"
REPEAT_HTML = 7
REPEAT_FILES = 3


def setup_django():
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()


@contextmanager
def throwaway_database():
    """A fresh database for this run only, migrated and loaded with the reference data."""
    from django.db import connection

    from legislation.reference_data import load_reference_data

    if connection.vendor != "sqlite":
        # Never the name pytest uses (test_<name>), so a test run at the same time is safe.
        connection.settings_dict.setdefault("TEST", {})["NAME"] = (
            "bench_" + connection.settings_dict["NAME"]
        )
    original = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        load_reference_data()
        yield
    finally:
        connection.creation.destroy_test_db(original, verbosity=0)


def assess_everything():
    """Every cell of every country assessed, each citing one provision of its own law.

    Written straight to the tables (no history rows) because only reading is measured here.
    """
    from legislation.models import (
        Assessment,
        Country,
        Criterion,
        LegalInstrument,
        Provision,
        Source,
    )
    from legislation.statuses import Status

    rng = random.Random(201)  # fixed seed: the same data on every run
    source = Source.objects.create(title="Benchmark desk review", year=2024)
    countries = list(Country.objects.all())
    LegalInstrument.objects.bulk_create(
        LegalInstrument(country=c, title=f"{c.name} Penal Code", year=2020) for c in countries
    )
    instruments = {i.country_id: i for i in LegalInstrument.objects.all()}
    reservable = set(
        Criterion.objects.leaves()
        .exclude(reservation_allowed=Criterion.Reservation.NO)
        .values_list("pk", flat=True)
    )
    cells = list(Assessment.objects.all())
    provisions = Provision.objects.bulk_create(
        Provision(instrument=instruments[cell.country_id], reference=f"Art. {n}")
        for n, cell in enumerate(cells)
    )
    choices = [Status.MET, Status.MET, Status.PARTIAL, Status.NOT_MET]
    for cell in cells:
        options = choices + ([Status.RESERVED] if cell.criterion_id in reservable else [])
        cell.status = rng.choice(options)
        cell.source = source
        cell.evidence_grade = "B"
        cell.note = "What the law covers and what it misses, in a sentence or two."
        cell.as_of = datetime.date(2024, 1, 31)
    Assessment.objects.bulk_update(
        cells, ["status", "source", "evidence_grade", "note", "as_of"], batch_size=1000
    )
    Through = Assessment.provisions.through
    Through.objects.bulk_create(
        Through(assessment_id=cell.pk, provision_id=provision.pk)
        for cell, provision in zip(cells, provisions, strict=True)
    )
    return len(countries), len(cells)


def measure(client, url, repeat):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times), len(queries.captured_queries), len(response.content)


def run(shared_bench=None):
    """Called by bench/run.py with its shared database, which this benchmark does not need:
    it measures one fully assessed country against peers in a database of its own."""
    setup_django()
    from django.test import Client, override_settings

    with throwaway_database(), override_settings(ALLOWED_HOSTS=["testserver"]):
        countries, cells = assess_everything()
        client = Client()
        print(
            f"bench_reports: gap report of /countries/{COUNTRY}/, {countries} countries and "
            f"{cells} cells, all assessed"
        )
        rows = [
            ("HTML gap report", f"/countries/{COUNTRY}/gaps/", REPEAT_HTML),
            ("PDF briefing", f"/countries/{COUNTRY}/gaps.pdf", REPEAT_FILES),
            ("Word briefing", f"/countries/{COUNTRY}/gaps.docx", REPEAT_FILES),
        ]
        print(f"  {'what':<18} {'median':>10} {'queries':>8} {'size':>10}  runs")
        for label, url, repeat in rows:
            median, queries, size = measure(client, url, repeat)
            figures = f"{median * 1000:>8.0f}ms {queries:>8} {size / 1024:>8.1f}KB"
            print(f"  {label:<18} {figures}  {repeat}")


if __name__ == "__main__":
    run()
