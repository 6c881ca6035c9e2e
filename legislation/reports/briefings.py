"""Briefing files: the gap report as PDF and Word, the regional report as PDF, and CSV/XLSX
rows that a spreadsheet can never run as formulas.

The PDF is the page's own HTML (the same `_gap_report_body.html`) printed by WeasyPrint with the
print stylesheet, so the PDF and the page cannot drift apart. The Word file is built with real
headings and tables, so it stays accessible and editable. User-entered text (notes, titles,
excerpts) only ever enters these files as text: escaped by the template engine in the PDF,
written as text runs by python-docx, and neutralised before it reaches a spreadsheet cell.
"""

import io
import logging
import mimetypes
from pathlib import PurePosixPath
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.template.loader import render_to_string
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from legislation import statuses
from legislation.reports.gap_report import PRIORITY_RULE, source_line
from legislation.reports.treaty_docx import (
    published_ratings_docx,
    reservation_lines_docx,
    treaty_record_docx,
)

# Without a request (scripts, tests) the PDF is rendered against this made-up origin;
# ".invalid" can never resolve on a real network (RFC 2606).
PDF_BASE_URL = "https://briefing.invalid/"


def local_only_fetcher(base_url=PDF_BASE_URL):
    """A fetcher that serves our own static files and data: URIs and refuses everything else,
    so a link or an image URL in user text can never make the server fetch over the network.

    WeasyPrint is imported here, not at module level: importing it parses its stylesheets and
    logs each step, which every management command would otherwise pay for and print.
    """
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    # The shared stylesheets use screen-only features (sticky headers, narrow-screen media
    # queries) that WeasyPrint ignores with a warning on every render; they are expected.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    # The page's {% static %} links resolve against the site's own address; the fetcher
    # answers them from disk, so even our own server is never asked over the network.
    static_prefix = urljoin(base_url, settings.STATIC_URL)

    class LocalOnlyFetcher(URLFetcher):
        def __init__(self):
            super().__init__(allowed_protocols={"data"}, allow_redirects=False)

        def fetch(self, url, headers=None):
            if url.startswith(static_prefix):
                name = url[len(static_prefix) :].split("?")[0].split("#")[0]
                body = read_static(name)
                if body is None:
                    raise ValueError(f"No such static file: {name}")
                mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, body, {"Content-Type": mime})
            if url.startswith("data:"):
                return super().fetch(url, headers)
            raise ValueError(f"Briefings never fetch over the network: {url[:80]}")

    return LocalOnlyFetcher()


def read_static(name):
    """A static file's bytes, from the source tree or the collected (hashed) files."""
    if ".." in PurePosixPath(name).parts:
        return None
    path = finders.find(name)
    if path:
        with open(path, "rb") as handle:
            return handle.read()
    if staticfiles_storage.exists(name):
        with staticfiles_storage.open(name) as handle:
            return handle.read()
    return None


def render_pdf(template, ctx, base_url=PDF_BASE_URL):
    """The template printed to PDF; `base_url` (the site's address) makes its links absolute."""
    fetcher = local_only_fetcher(base_url)
    from weasyprint import HTML

    html = render_to_string(template, ctx)
    return HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf()


def gap_report_pdf(report, base_url=PDF_BASE_URL):
    ctx = {"report": report, "for_print": True}
    return render_pdf("legislation/reports/gap_report_print.html", ctx, base_url)


def regional_report_pdf(report, ctx, base_url=PDF_BASE_URL):
    return render_pdf(
        "legislation/reports/report_gaps_print.html", {**ctx, "for_print": True}, base_url
    )


# ---------------------------------------------------------------------------------------------
# Word


def repeat_header(row):
    """Mark a table's first row as a header row, repeated on each page and read as such."""
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def add_table(document, headers, rows, caption=None):
    if caption:
        document.add_paragraph(caption, style="Caption")
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(str(text)).bold = True
    repeat_header(table.rows[0])
    for values in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, values, strict=True):
            cell.text = str(text)
    return table


def labelled(document, label, text):
    paragraph = document.add_paragraph()
    paragraph.add_run(f"{label}: ").bold = True
    paragraph.add_run(text)
    return paragraph


def gap_section(document, entry, ask):
    criterion = entry.criterion
    document.add_heading(f"{entry.heading} ({statuses.label(entry.status)})", level=2)
    labelled(document, "Framework", entry.framework.short_name)
    if ask:
        labelled(document, "The ask", ask)
    document.add_heading("What the criterion requires", level=3)
    document.add_paragraph(criterion.summary)
    document.add_heading("What the current law misses", level=3)
    document.add_paragraph(entry.line.note or "The assessment records no note.")
    if entry.line.provisions:
        document.add_paragraph("Provisions relied on:")
        for provision in entry.line.provisions:
            url = provision.link
            document.add_paragraph(
                provision.citation() + (f" <{url}>" if url else ""), style="List Bullet"
            )
    else:
        document.add_paragraph("No provision is cited for this criterion.")
    if criterion.common_gaps:
        labelled(document, "How laws typically fall short", criterion.common_gaps)
    for reading in entry.line.reservation_readings:
        labelled(
            document,
            "A reservation applies",
            f"{reading.headline}. {reading.reservation.text} {reading.status_note} "
            f"The ask: {reading.ask}.",
        )
    for text in entry.line.published:
        labelled(document, "Published by ICMEC (not this briefing's assessment)", text)
    document.add_heading("What a law should contain", level=3)
    document.add_paragraph(criterion.must_contain or "No drafting guidance recorded yet.")
    document.add_heading("Evidence", level=3)
    labelled(document, "Status", statuses.label(entry.status))
    labelled(document, "As of", entry.line.as_of)
    labelled(document, "Evidence grade", entry.line.grade or "not recorded")
    labelled(document, "Source", source_line(entry.line.source))
    if criterion.priority_reason:
        labelled(document, f"Why priority {criterion.priority}", criterion.priority_reason)
    document.add_heading("Peer countries that meet it", level=3)
    if entry.peers:
        add_table(
            document,
            ["Country", "Proximity", "Provisions relied on", "As of", "Evidence"],
            [
                (
                    peer.country.name,
                    peer.proximity or "elsewhere",
                    "; ".join(p.citation() for p in peer.provisions) or "no provision cited",
                    peer.as_of,
                    peer.cell.evidence_grade or "–",
                )
                for peer in entry.peers
            ],
        )
        if entry.more_peers:
            document.add_paragraph(f"… and {entry.more_peers} more countries that meet it.")
    else:
        document.add_paragraph("No assessed country meets this criterion yet.")


def gap_report_docx(report):
    country = report.country
    document = Document()
    document.core_properties.title = f"Gap report: {country.name}"
    document.core_properties.subject = (
        "Child sexual exploitation law: gaps against ICMEC and Lanzarote"
    )
    document.styles["Normal"].font.size = Pt(10.5)
    document.add_heading(f"Gap report: {country.name}", level=0)
    stamp = report_stamp(report)
    for label, text in stamp:
        labelled(document, label, text)

    _docx_summary(document, report)
    _docx_gaps(document, report)
    _docx_research_gaps(document, report)
    _docx_sources(document, report)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _docx_summary(document, report):
    document.add_heading("Summary", level=1)
    add_table(
        document,
        ["Framework", *[s.label for s in statuses.Status], "Assessed"],
        [
            (
                s.framework.short_name,
                *[s.counts[status] for status in statuses.Status],
                f"assessed: {s.assessed} of {s.total}",
            )
            for s in report.summaries
        ],
        caption="Cells by status per framework (not assessed is never a gap)",
    )
    for s in report.summaries:
        if s.is_icmec:
            labelled(document, "ICMEC", icmec_line(s))
    published_ratings_docx(document, report.published_ratings, labelled)
    reservation_lines_docx(document, report.reservation_lines, labelled)
    document.add_heading("Lanzarote Convention participation", level=2)
    participation_section(document, report.participation)


def _docx_gaps(document, report):
    """The priority list, then every gap and every reservation with its section."""
    document.add_heading("Priority list", level=2)
    document.add_paragraph(PRIORITY_RULE)
    if report.priority_list:
        for entry in report.priority_list:
            document.add_paragraph(
                f"{entry.heading} ({statuses.label(entry.status)})", style="List Number"
            )
    else:
        document.add_paragraph("No gap is recorded among the assessed criteria.")

    document.add_heading("Gaps", level=1)
    if not report.gaps:
        document.add_paragraph("No criterion is assessed as not met or partial.")
    for entry in report.gaps:
        gap_section(document, entry, ask="")

    document.add_heading("Reserved under the Convention", level=1)
    if not report.reserved:
        document.add_paragraph("No criterion is assessed as reserved.")
    for entry in report.reserved:
        gap_section(document, entry, ask="withdraw the reservation")


def _docx_research_gaps(document, report):
    document.add_heading("Research gaps: not assessed", level=1)
    document.add_paragraph(
        "Nobody has verified these criteria yet. They are not gaps: the law may or may not "
        "cover them."
    )
    if report.research_gaps:
        add_table(
            document,
            ["Criterion", "What it asks"],
            [
                (f"{line.criterion.code} {line.criterion.title}", line.criterion.summary)
                for line in report.research_gaps
            ],
        )
    else:
        document.add_paragraph("Every criterion has been assessed.")


def _docx_sources(document, report):
    document.add_heading("Sources", level=1)
    if report.sources:
        for source in report.sources:
            document.add_paragraph(source_line(source), style="List Bullet")
    else:
        document.add_paragraph("No assessed cell, so no source yet.")
    if report.peer_sources:
        document.add_heading("Sources for the peer examples", level=2)
        for source in report.peer_sources:
            document.add_paragraph(source_line(source), style="List Bullet")


def participation_section(document, participation):
    labelled(document, "Standing", participation.standing)
    if participation.record is not None:
        treaty_record_docx(document, participation.treaty_record, labelled)
    if participation.needs_confirmation:
        document.add_paragraph(
            f"{participation.date_quality_note} Confirm them with the Council of Europe "
            f"Treaty Office chart for treaty 201 <{participation.chart_url}>."
        )


def report_stamp(report):
    return [
        ("Data as of", report.as_of_stamp),
        *(
            [("As published on", f"{report.published_at:%d %B %Y} (end of the day, UTC)")]
            if report.published_at
            else []
        ),
        ("Generated", f"{report.generated_at:%d %B %Y, %H:%M} UTC"),
        ("Permalink", report.permalink or "not available"),
        (
            "Coverage",
            f"assessed: {report.total_assessed} of {report.total_cells} criteria",
        ),
    ]


def icmec_line(summary):
    return (
        f"met {summary.met} of {summary.total} (assessed: {summary.assessed} of "
        f"{summary.total}); sufficient (at least 4 of 5): {summary.sufficient.label}"
    )
