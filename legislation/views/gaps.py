"""A country's gap report as a page, a PDF and a Word file."""

from django.shortcuts import render
from django.urls import reverse

from legislation.exports.spreadsheet import download
from legislation.reports import docx as word_briefing
from legislation.reports import pdf as pdf_briefing
from legislation.reports.gap_report import build_gap_report
from legislation.site.published import at, published_view
from legislation.views.countries import get_country


def report_for(request, iso2):
    country, response = get_country(request, iso2)
    if response:
        return None, response
    permalink = request.build_absolute_uri(
        reverse("legislation:country-gaps", kwargs={"iso2": country.code})
    )
    report = build_gap_report(
        country, permalink=request.published_on.keep(permalink), at=at(request)
    )
    return report, None


@published_view
def gap_report(request, iso2):
    report, response = report_for(request, iso2)
    if response:
        return response
    ctx = {"report": report}
    return render(request, "legislation/reports/gap_report.html", ctx)


@published_view
def gap_report_pdf(request, iso2):
    report, response = report_for(request, iso2)
    if response:
        return response
    pdf = pdf_briefing.gap_report_pdf(report, base_url=request.build_absolute_uri("/"))
    return download(pdf, f"{report.filename_stem}.pdf")


@published_view
def gap_report_docx(request, iso2):
    report, response = report_for(request, iso2)
    if response:
        return response
    return download(word_briefing.gap_report_docx(report), f"{report.filename_stem}.docx")
