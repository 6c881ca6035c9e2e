"""Load on loopback: gunicorn (3 workers) + PostgreSQL + Redis, measured with wrk.

    make bench-load        # BENCH_LOAD_DATABASE_URL / BENCH_LOAD_CACHE_URL to change them

Creates a scratch PostgreSQL database (name must start csem_bench), loads the reference data,
serves it on 127.0.0.1:8140 (BENCH_LOAD_PORT) and runs bounded wrk runs (8 connections,
BENCH_SECONDS each),
then four parallel regional PDF requests while the home page is polled; drops the database
at the end. Every request goes to 127.0.0.1 only. Prints a Markdown table for the README.
"""

import os
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PORT = int(os.environ.get("BENCH_LOAD_PORT", "8140"))
BASE = f"http://127.0.0.1:{PORT}"
DATABASE_URL = os.environ.get(
    "BENCH_LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/csem_bench_load"
)
CACHE_URL = os.environ.get("BENCH_LOAD_CACHE_URL", "redis://127.0.0.1:6379/1")
SECONDS = int(os.environ.get("BENCH_SECONDS", "8"))
WORKERS = int(os.environ.get("WEB_CONCURRENCY", "3"))
REGIONAL_PDF = "/reports/gaps/?group=global-south&framework=lanzarote&export=pdf"
PAGES = [
    ("404 page", "/no-such-page/"),
    ("home `/`", "/"),
    ("`/compare/`", "/compare/"),
    ("country profile `/countries/ph/`", "/countries/ph/"),
    ("gap report `/countries/sg/gaps/`", "/countries/sg/gaps/"),
    ("cached PDF `/countries/ph/gaps.pdf`", "/countries/ph/gaps.pdf"),
]


def server_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SQLITE"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_SECRET_KEY="bench-load-only",  # noqa: S106 (a throwaway server)
        DJANGO_DEBUG="false",
        DJANGO_HTTPS="false",
        DJANGO_COLLECTED_STATIC="false",
        DJANGO_REQUIRE_2FA="false",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=DATABASE_URL,
        CACHE_URL=CACHE_URL,
        HEAVY_DOCUMENT_CONCURRENCY=str(max(1, WORKERS - 2)),
    )
    return env


def manage(env, *args):
    subprocess.run(  # noqa: S603 (our interpreter, our command)
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True
    )


def get(path, timeout=120):
    started = time.monotonic()
    try:
        with urllib.request.urlopen(BASE + path, timeout=timeout) as response:  # noqa: S310
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, time.monotonic() - started


def wrk(path):
    done = subprocess.run(  # noqa: S603
        ["wrk", "-t2", "-c8", f"-d{SECONDS}s", "--timeout", "30s", "--latency", BASE + path],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    )
    out = done.stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    factor = {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return rate, float(p99.group(1)) * factor, int(non_2xx.group(1)) if non_2xx else 0, errors


def change_public_data(env):
    """A public change to reference data committed by another process, as an admin's edit
    would be: a country's official name changes to one never shown before. It raises the
    shared version, so the filter's choices, the countries and the ratings are read again."""
    code = (
        "import uuid\n"
        "from legislation.models import Country\n"
        "country = Country.objects.get(iso2='ZA')\n"
        "country.official_name = 'Republic of South Africa ' + uuid.uuid4().hex[:8]\n"
        "country.save()\n"
    )
    manage(env, "shell", "-c", code)


def change_a_source(env):
    """An approved change to the evidence: the source one cell of Kenya cites gets a page
    reference never shown before (its country's row shows the citation)."""
    code = (
        "import uuid\n"
        "from legislation.models import Assessment, Country, Criterion, Source\n"
        "source = Source.objects.get_or_create(title='Load test source')[0]\n"
        "Assessment.objects.filter(country=Country.objects.get(iso2='KE'), "
        "criterion=Criterion.objects.get(code='ICMEC.2')).exclude(source=source).update(source=source)\n"
        "source.page = uuid.uuid4().hex[:8]\n"
        "source.save()\n"
    )
    manage(env, "shell", "-c", code)


def change_one_cell(env):
    """One cell of one country changes, saved by another process, to values never shown
    before: its status moves on (met, partial, not met in turn, so the count and the map
    shade change too) and its as-of date moves a day on. Never back to an earlier state, which
    would find every piece already rendered and measure a cache hit, not a re-render."""
    code = (
        "import datetime\n"
        "from legislation.models import Assessment, Country, Criterion, Source\n"
        "from legislation.statuses import Status\n"
        "a, _ = Assessment.objects.get_or_create(country=Country.objects.get(iso2='KE'), "
        "criterion=Criterion.objects.get(code='ICMEC.3'))\n"
        "cycle = [Status.MET, Status.PARTIAL, Status.NOT_MET]\n"
        "a.status = cycle[(cycle.index(a.status) + 1) % 3] if a.status in cycle else cycle[0]\n"
        "a.source = Source.objects.get_or_create(title='Load test reading')[0]\n"
        "a.evidence_grade = 'B'\n"
        "a.as_of = (a.as_of or datetime.date(2000, 1, 1)) + datetime.timedelta(days=1)\n"
        "a.full_clean()\n"
        "a.save()\n"
    )
    manage(env, "shell", "-c", code)


def uncached_vs_cached(env, path, repeats=3, change=change_public_data, settle=0):
    """Medians of (the time right after `change`, the cached time after the same pause, the
    cached time at once), and the slowest uncounted time right after a change.

    Each round commits a change in another process (a second or two), asks for `path` once
    (uncached), waits a moment for the page to be stored for the other workers (after the
    response has gone out), asks three times more at once (cached, "warm": the workers have
    just served), then waits as long as the change took and asks once more (cached, after the
    same pause as the uncached request: a worker idle for two seconds answers more slowly,
    cached or not, so this is the like-for-like comparison). Cached answers come from a
    worker's own memory or the shared cache, whichever worker the kernel picks. The first
    `settle` rounds are not counted (only their slowest is returned): a worker's first renders
    of a page (ever, or since shared data changed) cost more than later ones; the counted
    rounds measure workers that have rendered the page before, as a running site's have."""
    fresh, paused, warm = [], [], []
    for _ in range(settle + repeats):
        started = time.monotonic()
        change(env)
        pause = time.monotonic() - started
        fresh.append(get(path)[1])
        time.sleep(0.1)
        warm.append([get(path)[1] for _ in range(3)])
        time.sleep(pause)
        paused.append(get(path)[1])
    counted_warm = [seconds for three in warm[settle:] for seconds in three]
    return (
        statistics.median(fresh[settle:]),
        statistics.median(paused[settle:]),
        statistics.median(counted_warm),
        max(fresh[:settle], default=0.0),
    )


def parallel_regional_pdfs():
    statuses, home_times, stop = [], [], threading.Event()

    def fetch():
        statuses.append(get(REGIONAL_PDF, timeout=300)[0])

    def poll_home():
        while not stop.is_set():
            home_times.append(get("/", timeout=60)[1])
            time.sleep(0.2)

    threads = [threading.Thread(target=fetch) for _ in range(4)]
    poller = threading.Thread(target=poll_home)
    poller.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stop.set()
    poller.join()
    return sorted(statuses), max(home_times) if home_times else None


def measure(env):
    for _, path in PAGES:
        # Warm the cache, and every worker: a worker's first request loads templates and URL
        # patterns, which would otherwise land in the first wrk run (the 404 baseline's p99).
        for _ in range(WORKERS * 4):
            get(path)
    rows = [(label, path, *wrk(path)) for label, path in PAGES]
    print("\n| page | req/s | p99 (ms) | non-2xx | socket errors |\n|---|---|---|---|---|")
    for label, path, rate, p99, non_2xx, errors in rows:
        note = "(404 expected)" if path == "/no-such-page/" else ""
        socket = errors.group(1) if errors else "0"
        print(f"| {label} | {rate:.0f} | {p99:.1f} | {non_2xx} {note} | {socket} |")
    base = rows[0][2]
    slowest = min(r[2] for r in rows[1:5])
    print(f"\nslowest public HTML page: {slowest / base:.2f} of the 404 page's throughput")
    compare = next(r[2] for r in rows if r[1] == "/compare/")
    print(f"/compare/: {compare / base:.2f} of the 404 page's throughput")
    changes = (
        ("one cell changed", change_one_cell),
        ("a source edited", change_a_source),
        ("a country edited", change_public_data),
    )
    for what, change in changes:
        fresh, paused, warm, first = uncached_vs_cached(
            env, "/compare/", repeats=9, change=change, settle=2 * WORKERS
        )
        print(
            f"/compare/ right after {what}: {fresh * 1000:.1f} ms; cached after the same pause "
            f"{paused * 1000:.1f} ms ({fresh / paused:.1f}x); cached at once {warm * 1000:.1f} ms "
            f"({fresh / warm:.1f}x); slowest of the {2 * WORKERS} rounds before (workers' "
            f"first renders): {first * 1000:.0f} ms"
        )
    html_fresh = uncached_vs_cached(env, "/countries/ph/gaps/")[0]
    pdf_fresh = uncached_vs_cached(env, "/countries/ph/gaps.pdf")[0]
    print(
        f"country gap report uncached: HTML {html_fresh * 1000:.0f} ms, PDF "
        f"{pdf_fresh * 1000:.0f} ms ({pdf_fresh / html_fresh:.1f}x)"
    )
    change_public_data(env)
    statuses, slowest_home = parallel_regional_pdfs()
    print(f"4 parallel regional PDFs: statuses {statuses}; slowest home page {slowest_home:.2f} s")


def main():
    from bench.common import create_scratch_postgres, drop_scratch_postgres

    env = server_env()
    create_scratch_postgres(DATABASE_URL)
    server = None
    try:
        manage(env, "migrate", "-v0")
        manage(env, "load_reference_data")
        server = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "gunicorn", "config.wsgi:application",
             "-c", "config/gunicorn.py", "--bind", f"127.0.0.1:{PORT}",
             "--workers", str(WORKERS), "--timeout", "60"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(100):
            try:
                if get("/healthz", timeout=2)[0] == 200:
                    break
            except OSError:
                time.sleep(0.3)
        print(f"gunicorn {WORKERS} workers, PostgreSQL, Redis ({CACHE_URL}); wrk -c8 -d{SECONDS}s")
        sys.stdout.flush()
        measure(env)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        drop_scratch_postgres(DATABASE_URL)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    main()
