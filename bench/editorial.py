"""Times the editorial workflow on the real reference data and prints the figures: a dry run of
the full import template (every country × criterion), proposing 500 changes from a file, and
approving them in one batch. Everything runs in one transaction that is rolled back.

Run against a migrated database with the reference data loaded, e.g.
    DJANGO_SECRET_KEY=x .venv/bin/python bench/editorial.py
"""

import csv
import io
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Group, User  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from legislation.editorial import importing, workflow  # noqa: E402


def as_csv(header, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def timed(label, func):
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        result = func()
        elapsed = time.perf_counter() - start
    print(f"{label}: {elapsed:.2f} s, {len(queries.captured_queries)} queries")
    return result


def main():
    with transaction.atomic():
        editor = User.objects.create(username="bench-editor")
        editor.groups.add(Group.objects.get(name="Editors"))
        reviewer = User.objects.create(username="bench-reviewer")
        reviewer.groups.add(Group.objects.get(name="Reviewers"))

        header, rows = importing.template_rows()
        template = as_csv(header, rows)
        result = timed(
            f"dry run of the full template ({len(rows)} rows, {len(template):,} bytes)",
            lambda: importing.preview("template.csv", template, editor),
        )
        assert result.ok and result.counts["unchanged"] == len(rows)

        status = header.index("status")
        source = header.index("source")
        changed = [r for r in rows if r[status] == "not_assessed"][:500]
        for r in changed:
            r[status], r[source] = "partial", "Benchmark desk review"
        data = as_csv(header, changed)
        preview = timed(
            f"dry run of {len(changed)} changed rows",
            lambda: importing.preview("b.csv", data, editor),
        )
        outcome = timed(
            f"proposing {len(changed)} changes (one transaction)",
            lambda: importing.apply_import(preview, editor, "benchmark"),
        )
        ids = [p.pk for p in outcome.proposals]
        timed(
            f"approving {len(ids)} changes (one transaction)",
            lambda: workflow.approve(reviewer, ids, "benchmark"),
        )
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
