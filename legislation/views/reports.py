"""The regional / multi-country gap report, with CSV, XLSX and PDF downloads."""

from django.shortcuts import render
from django.utils import timezone

from legislation.exports.spreadsheet import download, table_download
from legislation.reports import pdf as pdf_briefing
from legislation.reports.regional import build_regional_report
from legislation.rules import STATUS_ORDER
from legislation.site.forms import RegionalReportForm
from legislation.site.published import at, published_view
from legislation.statuses import SYMBOLS

LONG_COLUMNS = [
    "iso2",
    "country",
    "region",
    "subregion",
    "framework",
    "criterion",
    "criterion_title",
    "status",
    "gap",
    "as_of",
    "evidence_grade",
    "source",
    "provisions",
    "note",
]


def selection_summary(form):
    data = form.cleaned_data
    parts = []
    if data.get("country"):
        parts.append("countries: " + ", ".join(c.name for c in data["country"]))
    if data.get("group"):
        parts.append("group: " + dict(form.fields["group"].choices)[data["group"]])
    if data.get("region"):
        parts.append("region: " + data["region"][1])
    return "; ".join(parts)


@published_view
def gap_report(request):
    form = RegionalReportForm(request.GET)
    ctx = {"form": form, "status_key": [(s, SYMBOLS[s]) for s in STATUS_ORDER]}
    if not request.GET:
        return render(request, "legislation/reports/report_gaps.html", ctx)
    if not form.is_valid():
        return render(request, "legislation/reports/report_gaps.html", ctx, status=400)
    report = build_regional_report(form.countries(), form.cleaned_data["framework"], at=at(request))
    ctx.update(report=report, selection=selection_summary(form))
    export = form.cleaned_data.get("export")
    stem = f"gap-report-{report.framework.code}-{timezone.now():%Y-%m-%d}"
    if export in ("csv", "xlsx"):
        rows = [[row[c] for c in LONG_COLUMNS] for row in report.long_rows()]
        return table_download(export, LONG_COLUMNS, rows, stem, sheet_title="gaps")
    if export == "pdf":
        pdf = pdf_briefing.regional_report_pdf(report, ctx, request.build_absolute_uri("/"))
        return download(pdf, f"{stem}.pdf")
    query = request.GET.copy()
    query.pop("export", None)
    ctx["query"] = query.urlencode()
    return render(request, "legislation/reports/report_gaps.html", ctx)
