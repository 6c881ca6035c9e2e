"""Two to five countries side by side, criterion by criterion."""

from dataclasses import dataclass, field

from django.shortcuts import render
from django.utils import timezone

from legislation.exports.spreadsheet import table_download
from legislation.matrix import build_matrix
from legislation.models import Framework
from legislation.reports.profile import provisions_of
from legislation.reports.treaty import beside_cells
from legislation.rules import RollUp
from legislation.site.forms import MAX_COMPARED, SideBySideForm
from legislation.site.published import at, published_view
from legislation.statuses import ASSESSED, Status, cell_as_of


@dataclass
class Cell:
    status: Status
    assessment: object = None  # None for article roll-ups
    rollup: RollUp | None = None  # an article's roll-up, with how much of it is assessed
    beside: list = field(default_factory=list)  # reservations, published ratings: not status

    @property
    def detail(self):
        return self.rollup.detail if self.rollup else ""

    @property
    def text(self):
        return self.rollup.text if self.rollup else self.status.label

    @property
    def as_of(self):
        if self.assessment is None or self.status not in ASSESSED:
            return ""
        return cell_as_of(self.assessment)

    @property
    def provisions(self):
        return provisions_of(self.assessment) if self.assessment else []


@dataclass
class Row:
    framework: Framework
    criterion: object
    is_article: bool
    cells: list

    @property
    def differs(self):
        return len({c.status for c in self.cells}) > 1


def comparison_rows(countries, at=None):
    """Every criterion of both frameworks, Lanzarote articles before their sub-paragraphs."""
    rows = []
    beside = beside_cells(countries, at)
    for framework in Framework.objects.all():
        matrix = build_matrix(countries, framework.code, at=at)
        by_parent = {}
        for leaf in matrix.leaves:
            by_parent.setdefault(leaf.parent_id, []).append(leaf)

        def leaf_row(leaf, matrix=matrix, framework=framework):
            return Row(
                framework,
                leaf,
                False,
                [
                    Cell(
                        r.status(leaf.code),
                        r.cells.get(leaf.code),
                        beside=beside.get((r.country.pk, leaf.pk), []),
                    )
                    for r in matrix.rows
                ],
            )

        if matrix.articles:
            for article in matrix.articles:
                rows.append(
                    Row(
                        framework,
                        article,
                        True,
                        [
                            Cell(r.status(article.code), rollup=r.rollup(article.code))
                            for r in matrix.rows
                        ],
                    )
                )
                rows += [leaf_row(leaf) for leaf in by_parent.get(article.pk, [])]
        else:
            rows += [leaf_row(leaf) for leaf in matrix.leaves]
    return rows


def csv_rows(countries, rows):
    headers = ["framework", "criterion", "title"]
    for country in countries:
        headers += [
            f"{country.name}: status",
            f"{country.name}: as of",
            f"{country.name}: provisions",
        ]
    body = []
    for row in rows:
        line = [row.framework.short_name, row.criterion.code, row.criterion.title]
        for cell in row.cells:
            line += [
                cell.text,
                cell.as_of,
                "; ".join(p.citation() for p in cell.provisions),
            ]
        body.append(line)
    return headers, body


@published_view
def compare(request):
    form = SideBySideForm(request.GET)
    ctx = {"form": form, "max_compared": MAX_COMPARED}
    if not request.GET:
        return render(request, "legislation/reports/sidebyside.html", ctx)
    if not form.is_valid():
        # One country is where "Compare with…" on a profile starts: the form, pre-filled,
        # asks for more. Everything else is a bad request.
        starting = form.has_error("c", "too_few") and len(form.errors) == 1
        return render(
            request, "legislation/reports/sidebyside.html", ctx, status=200 if starting else 400
        )
    countries = form.cleaned_data["c"]
    rows = comparison_rows(countries, at(request))
    shown = [r for r in rows if r.differs] if form.cleaned_data["diff"] else rows
    if form.cleaned_data["export"] == "csv":
        headers, body = csv_rows(countries, shown)
        stem = "-".join(c.code for c in countries)
        return table_download(
            "csv", headers, body, f"side-by-side-{stem}-{timezone.now():%Y-%m-%d}"
        )
    query = request.GET.copy()
    query.pop("export", None)
    toggled = query.copy()
    if form.cleaned_data["diff"]:
        toggled.pop("diff", None)
    else:
        toggled["diff"] = "1"
    ctx.update(
        countries=countries,
        rows=shown,
        total_rows=len(rows),
        differing=sum(1 for r in rows if r.differs),
        diff=form.cleaned_data["diff"],
        query=query.urlencode(),
        toggle_query=toggled.urlencode(),
    )
    return render(request, "legislation/reports/sidebyside.html", ctx)
