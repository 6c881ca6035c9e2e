"""The comparison page, its exports, the figures, criterion and home pages at realistic sizes.

First the 196 countries with every cell filled; then with 2,000 synthetic jurisdictions
added (2,196 rows, every cell filled). The query count of each page must not move.
"""

PAGES = [
    ("compare ICMEC, uncached", "/compare/", False),
    ("compare ICMEC, cached", "/compare/", True),
    ("compare Lanzarote detail, uncached", "/compare/?framework=lanzarote&detail=1", False),
    ("compare Lanzarote detail, cached", "/compare/?framework=lanzarote&detail=1", True),
    (
        "compare Europe + 2 filters, uncached",
        "/compare/?region=Europe&min_met=2&where=ICMEC.4:met",
        False,
    ),
]
EXPORTS = [
    (
        f"export {fmt} {shape} ({framework})",
        f"/compare/?framework={framework}&detail=1&_export={fmt}&shape={shape}",
    )
    for framework in ("icmec", "lanzarote")
    for shape in ("wide", "long")
    for fmt in ("csv", "xlsx", "json")
]
OTHER = [
    ("home (map + figures)", "/"),
    ("figures", "/figures/"),
    ("criterion ICMEC.4", "/criteria/ICMEC.4/"),
    ("criterion Art.20 (rolled up)", "/criteria/Art.20/"),
]


def flip_one_cell():
    """One cell changes, as an editor's approved change would, to values never shown before
    (its status moves on and its as-of date a day on): its country's row, the counts and the
    map must be rendered again, the other rows are reused. Going back to an earlier state
    would find every piece rendered already and measure a cache hit."""
    import datetime

    from legislation.models import Assessment
    from legislation.statuses import Status

    cycle = [Status.MET, Status.PARTIAL, Status.NOT_MET]
    cell = Assessment.objects.filter(criterion__code="ICMEC.3").order_by("pk").first()
    cell.status = cycle[(cycle.index(cell.status) + 1) % 3] if cell.status in cycle else cycle[0]
    cell.as_of = (cell.as_of or datetime.date(2000, 1, 1)) + datetime.timedelta(days=1)
    cell.save()


def measure_all(bench, suffix):
    results = [bench.measure(f"{label}", url, cached=cached) for label, url, cached in PAGES]
    results.append(
        bench.measure("compare ICMEC, after one cell changed", "/compare/", before=flip_one_cell)
    )
    results += [bench.measure(label, url, runs=3) for label, url in EXPORTS]
    results += [bench.measure(label, url, runs=5) for label, url in OTHER]
    bench.report(results, f"Figures with {suffix}")
    return results


def run(bench):
    small = measure_all(bench, "196 countries, every cell filled")
    bench.with_jurisdictions(2000)
    large = measure_all(bench, "196 countries + 2,000 jurisdictions, every cell filled")
    print("\nQuery counts, 196 rows vs 2,196 rows (must be equal):")
    for a, b in zip(small, large, strict=True):
        flag = "" if a["queries"] == b["queries"] else "   <-- DIFFERS"
        print(f"  {a['label']:44} {a['queries']:3d} {b['queries']:3d}{flag}")
