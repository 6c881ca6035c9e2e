"""`make bench`: build a throwaway database, then run every bench/bench_*.py module.

Each module has a `run(bench)` function taking the shared `common.Bench` (database, data set,
timing helpers) and prints its own figures. Add a module, and this runner finds it.

The database is a temporary SQLite file, deleted afterwards, or with
BENCH_DATABASE_URL=postgres://…/csem_bench a scratch PostgreSQL database that is created
and dropped here. Never point it at a database you want to keep.
"""

import importlib
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script (`python bench/run.py`), so the project root is not on the path by itself.
sys.path.insert(0, str(ROOT))


def main():
    workdir = Path(tempfile.mkdtemp(prefix="csem-bench-"))
    bench_url = os.environ.get("BENCH_DATABASE_URL", "")
    if bench_url:
        os.environ["DATABASE_URL"] = bench_url
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["SQLITE_PATH"] = str(workdir / "bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")

    from bench import common

    if bench_url:
        common.create_scratch_postgres(bench_url)
    import django

    django.setup()
    bench = common.Bench(workdir)
    try:
        bench.prepare()
        only = set(sys.argv[1:])
        for path in sorted((ROOT / "bench").glob("bench_*.py")):
            if only and path.stem not in only:
                continue
            print(f"\n== {path.stem} ==")
            importlib.import_module(f"bench.{path.stem}").run(bench)
    finally:
        bench.close()
        if bench_url:
            common.drop_scratch_postgres(bench_url)


if __name__ == "__main__":
    main()
