"""Peak memory and time of reading each hostile import file (tests/test_import_limits.py).

    .venv/bin/python bench/import_memory.py

Each file is written to a temporary folder, then read by `importing.read_rows` in a fresh
process under a 2 GiB address-space cap; the figure is that process's peak resident memory
(ru_maxrss) minus the same process reading a file it never parses. No database is used.
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHILD = r"""
import os, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (2 * 1024 ** 3, 2 * 1024 ** 3))
import django
django.setup()
from legislation.editorial import importing
path, parse = sys.argv[1], sys.argv[2] == "parse"
data = open(path, "rb").read()
started = time.monotonic()
outcome = "not parsed"
if parse:
    try:
        outcome = f"read {len(importing.read_rows(os.path.basename(path), data))} rows"
    except importing.ImportFileError as error:
        outcome = "refused: " + str(error)[:70]
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, time.monotonic() - started,
      outcome, sep="\t")
"""


def measure(path, parse):
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_SECRET_KEY="bench",  # noqa: S106 (a throwaway child process)
        DJANGO_HTTPS="false",
        DJANGO_COLLECTED_STATIC="false",
        PYTHONPATH=str(ROOT),
    )
    done = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", CHILD, str(path), "parse" if parse else "skip"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    peak, seconds, outcome = done.stdout.strip().split("\t")
    return int(peak), float(seconds), outcome


def largest_csv():
    """Just under every CSV limit: 19,999 rows of 12 cells in just under 5 MB."""
    line = ",".join(["x" * 19] * 12) + "\n"
    return line.encode() * min(19_999, (5 * 1024 * 1024 - 1) // len(line))


def largest_xlsx():
    """19,999 rows of 12 distinct text cells: near the row limit and the unzipped limit."""
    import io

    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for i in range(19_999):
        sheet.append([f"r{i}c{j}-text" for j in range(12)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def main():
    from tests.test_import_limits import HOSTILE, good_xlsx

    files = {
        "the good workbook (baseline)": ("good.xlsx", good_xlsx),
        "largest accepted CSV": ("largest.csv", largest_csv),
        "largest accepted XLSX": ("largest.xlsx", largest_xlsx),
    }
    files.update({name: (file_name, build) for name, (file_name, build, _) in HOSTILE.items()})
    print(f"{'file':34} {'size':>10} {'peak MB':>8} {'over base':>9} {'seconds':>8}  outcome")
    with tempfile.TemporaryDirectory() as folder:
        for name, (file_name, build) in files.items():
            path = Path(folder) / file_name
            path.write_bytes(build())
            base, _, _ = measure(path, parse=False)
            peak, seconds, outcome = measure(path, parse=True)
            print(
                f"{name:34} {path.stat().st_size:>10,} {peak:>8} {peak - base:>9} "
                f"{seconds:>8.2f}  {outcome}"
            )


if __name__ == "__main__":
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench")
    os.environ.setdefault("DJANGO_HTTPS", "false")
    django.setup()
    main()
