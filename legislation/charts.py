"""Charts over time, drawn on the server as SVG (no JavaScript), each with a text table.

Three charts: cells assessed per framework by month, status counts by month for one criterion
or one region (both replayed from the history, one query each), and ICMEC's own published
headline figures by edition, with the edition where the meaning of "sufficient" changed marked.
The geometry is computed here so the template only places precomputed shapes.
"""

import csv
import datetime
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import timezone

from legislation.models import Assessment, Framework
from legislation.statuses import ASSESSED, Status

ICMEC_EDITIONS_FILE = (
    Path(__file__).resolve().parent / "data" / "icmec_headline_figures_by_edition.csv"
)
# The rows of that file that are ICMEC editions or updates with figures (others are secondary
# wordings of the same edition, or an edition no ICMEC source was found for).
ICMEC_EDITIONS = ["1st", "5th", "update", "6th", "7th", "8th", "9th"]
DEFINITION_CHANGE = "7th"
DEFINITION_CHANGE_NOTE = (
    "From the 7th edition (2012), “sufficient” means meeting any four or more of the five "
    "criteria; before, ICMEC counted countries meeting all five or all but ISP reporting."
)

WIDTH, HEIGHT = 720, 320
LEFT, RIGHT, TOP, BOTTOM = 64, 48, 24, 56
# Series differ in dash pattern and marker as well as colour: readable without colour.
STYLES = [
    {"colour": "#1f4e79", "dash": "", "marker": "circle"},
    {"colour": "#b35900", "dash": "8 4", "marker": "square"},
    {"colour": "#2e7d32", "dash": "2 3", "marker": "diamond"},
    {"colour": "#6a1b9a", "dash": "12 3 2 3", "marker": "triangle"},
    {"colour": "#555555", "dash": "4 4", "marker": "circle"},
]


@dataclass
class Series:
    label: str
    values: list  # one number (or None: no figure published) per x position


@dataclass
class Chart:
    slug: str
    title: str
    x_label: str
    y_label: str
    x_ticks: list  # label per x position
    series: list
    source: str
    marks: list = field(default_factory=list)  # (x position, note): a vertical rule
    note: str = ""
    row_notes: list = field(default_factory=list)  # per x position, e.g. where a figure is from

    @property
    def y_max(self):
        top = max((v for s in self.series for v in s.values if v is not None), default=0)
        return nice_ceiling(top)

    def x_at(self, index):
        span = WIDTH - LEFT - RIGHT
        if len(self.x_ticks) == 1:
            return LEFT + span / 2
        return LEFT + span * index / (len(self.x_ticks) - 1)

    def y_at(self, value):
        span = HEIGHT - TOP - BOTTOM
        return HEIGHT - BOTTOM - span * value / (self.y_max or 1)

    def geometry(self):
        """Everything the SVG template draws, as plain numbers and strings."""
        y_ticks = [
            {"y": round(self.y_at(v), 1), "label": v} for v in range(0, self.y_max + 1, step(self))
        ]
        x_ticks = [
            {"x": round(self.x_at(i), 1), "label": label} for i, label in enumerate(self.x_ticks)
        ]
        lines = []
        for n, series in enumerate(self.series):
            points = [
                (round(self.x_at(i), 1), round(self.y_at(v), 1), v)
                for i, v in enumerate(series.values)
                if v is not None
            ]
            lines.append(
                {
                    "label": series.label,
                    "points": " ".join(f"{x},{y}" for x, y, _ in points),
                    "dots": points,
                    **STYLES[n % len(STYLES)],
                }
            )
        marks = [{"x": round(self.x_at(i), 1), "note": note} for i, note in self.marks]
        return {
            "width": WIDTH,
            "height": HEIGHT,
            "left": LEFT,
            "right": WIDTH - RIGHT,
            "top": TOP,
            "bottom": HEIGHT - BOTTOM,
            "x_title_y": HEIGHT - 12,
            "x_middle": (LEFT + WIDTH - RIGHT) / 2,
            "y_middle": (TOP + HEIGHT - BOTTOM) / 2,
            "y_ticks": y_ticks,
            "x_ticks": x_ticks,
            "lines": lines,
            "marks": marks,
        }

    def table(self):
        """The same figures as rows: (x label, [value or "—" per series], note)."""
        return [
            (
                label,
                ["—" if s.values[i] is None else s.values[i] for s in self.series],
                self.row_notes[i] if self.row_notes else "",
            )
            for i, label in enumerate(self.x_ticks)
        ]


def nice_ceiling(value):
    """A round axis maximum at or above `value`: 5, 10, 20, 50, 100, 200, …"""
    if value <= 5:
        return 5
    magnitude = 10 ** (len(str(int(value))) - 1)
    for factor in (1, 2, 5, 10):
        if value <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def step(chart):
    return max(1, chart.y_max // 5)


# ---------------------------------------------------------------------------------------------
# Replaying the history by month


def month_ends(first, last):
    """(label "2026-03", last instant of that month in UTC) for every month first..last."""
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        following = datetime.date(year + month // 12, month % 12 + 1, 1)
        end = datetime.datetime.combine(following, datetime.time.min, tzinfo=datetime.UTC)
        months.append((f"{year}-{month:02d}", end - datetime.timedelta(microseconds=1)))
        year, month = following.year, following.month
    return months


def replay(cell_filter, key, now=None):
    """{month label: {key value: cells}} at each month's end, from the first change to now.
    `key(status, framework)` says which tally a cell falls in (None: none). One query."""
    rows = list(
        Assessment.history.filter(**cell_filter)
        .order_by("history_date", "history_id")
        .values_list("id", "history_date", "history_type", "status", "criterion__framework__code")
    )
    now = now or timezone.now()
    if not rows:
        return [(label, {}) for label, _ in month_ends(now, now)]
    current, result, i = {}, [], 0
    for label, end in month_ends(rows[0][1], now):
        while i < len(rows) and rows[i][1] <= end:
            cell_id, _, kind, status, framework = rows[i]
            current[cell_id] = None if kind == "-" else (status, framework)
            i += 1
        tally = {}
        for value in current.values():
            bucket = key(*value) if value else None
            if bucket is not None:
                tally[bucket] = tally.get(bucket, 0) + 1
        result.append((label, tally))
    return result


def coverage_chart(now=None):
    """Cells assessed per framework at each month's end."""
    frameworks = list(Framework.objects.all())
    months = replay({}, lambda status, fw: fw if status in ASSESSED else None, now)
    return Chart(
        slug="coverage",
        title="Cells assessed per framework, by month",
        x_label="Month (end of month, UTC)",
        y_label="Cells assessed",
        x_ticks=[label for label, _ in months],
        series=[
            Series(f.short_name, [tally.get(f.code, 0) for _, tally in months]) for f in frameworks
        ],
        source="Source: this tool's approved records and their history.",
    )


def status_chart(*, criterion=None, region=None, now=None):
    """Cells per status at each month's end, for one criterion or one region."""
    cell_filter = {"criterion": criterion} if criterion else {"country__region": region}
    months = replay(cell_filter, lambda status, fw: status, now)
    subject = f"{criterion.code} {criterion.title}" if criterion else region
    return Chart(
        slug="statuses",
        title=f"Cells per status, by month: {subject}",
        x_label="Month (end of month, UTC)",
        y_label="Cells",
        x_ticks=[label for label, _ in months],
        series=[
            Series(s.label, [tally.get(s.value, 0) for _, tally in months])
            for s in Status
            if s != Status.NOT_ASSESSED
        ],
        source="Source: this tool's approved records and their history. Cells not assessed "
        "are left out: unknown is not a status of the law.",
    )


def _count(text):
    """The leading whole number of a cell ("54 (of those with specific law)" → 54), or None."""
    digits = ""
    for char in (text or "").strip():
        if not char.isdigit():
            break
        digits += char
    return int(digits) if digits else None


def icmec_editions_chart():
    """ICMEC's own headline figures, by edition, as published (never our counts)."""
    with open(ICMEC_EDITIONS_FILE, encoding="utf-8", newline="") as f:
        rows = {row["edition"]: row for row in csv.DictReader(f)}
    editions = [rows[e] for e in ICMEC_EDITIONS if e in rows]
    ticks = [
        f"{e['edition']} ({e['year_or_date'][:4]})" if e["edition"] != "update" else "2009 update"
        for e in editions
    ]
    marks = [
        (i, "“sufficient” redefined")
        for i, e in enumerate(editions)
        if e["edition"] == DEFINITION_CHANGE
    ]
    return Chart(
        slug="icmec-editions",
        title="ICMEC's published headline figures by edition, 2006–2018",
        x_label="Edition of ICMEC's Model Legislation & Global Review (year)",
        y_label="Countries",
        x_ticks=ticks,
        series=[
            Series("legislation sufficient", [_count(e["sufficient_total"]) for e in editions]),
            Series(
                "no specific legislation", [_count(e["no_specific_legislation"]) for e in editions]
            ),
            Series("countries reviewed", [_count(e["countries_reviewed"]) for e in editions]),
        ],
        source="Source: ICMEC, Child Sexual Abuse Material: Model Legislation & Global Review, "
        "1st–9th editions, as summarised in the sources listed in the table (figures as "
        "published; not computed by this tool).",
        marks=marks,
        note=DEFINITION_CHANGE_NOTE,
        row_notes=[f"{e['source_locator']} ({e['reliability']})" for e in editions],
    )
