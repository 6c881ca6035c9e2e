"""Briefings as Word: the gap report built with real headings and tables, so it stays
accessible and editable. User-entered text (notes, titles, excerpts) only ever enters the file
as text runs written by python-docx.
"""

import io

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from legislation import rules, statuses
from legislation.reports.gap_report import PRIORITY_RULE
from legislation.reports.profile import source_line
from legislation.reports.treaty_docx import (
    published_ratings_docx,
    reservation_lines_docx,
    treaty_record_docx,
)

# ---------------------------------------------------------------------------------------------
# Word


def repeat_header(row):
    """Mark a table's first row as a header row, repeated on each page and read as such."""
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


# The width of the text between A4's margins (prepare_document), shared out among a table's
# columns by the weights each table gives.
TEXT_WIDTH_MM = 174
HEADER_SHADE = "E8EDF2"  # --surface-strong in static/legislation/tokens.css


def shade(cell, fill):
    properties = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    properties.append(shading)


def add_table(document, headers, rows, caption=None, widths=None):
    """A table with a shaded header row repeated on each page, its caption kept with it, and
    columns sized by `widths` (relative weights; equal when not given). A small gap follows
    it, so the next paragraph does not touch its bottom border."""
    if caption:
        document.add_paragraph(caption, style="Caption").paragraph_format.keep_with_next = True
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False
    weights = widths or [1] * len(headers)
    column_widths = [Mm(TEXT_WIDTH_MM * w / sum(weights)) for w in weights]
    for column, width in zip(table.columns, column_widths, strict=True):
        column.width = width
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(str(text)).bold = True
        cell.paragraphs[0].paragraph_format.keep_with_next = True
        shade(cell, HEADER_SHADE)
    repeat_header(table.rows[0])
    for values in rows:
        add_row(table, values)
    gap = document.add_paragraph()
    gap.paragraph_format.space_after = Pt(2)
    return table


def add_row(table, values=None):
    """A body row whose cells take the widths of the header row's columns."""
    cells = table.add_row().cells
    for cell, column in zip(cells, table.columns, strict=True):
        cell.width = column.width
    if values is not None:
        for cell, text in zip(cells, values, strict=True):
            cell.text = str(text)
    return cells


APP_NAME = "CSE law gap analysis"


def prepare_document(title, subject, running_text):
    """An A4 document with its properties (the app as author), a running header naming the
    report and its date, and a footer numbering the pages with Word's own field codes."""
    document = Document()
    properties = document.core_properties
    properties.title = title
    properties.subject = subject
    properties.author = APP_NAME
    properties.last_modified_by = APP_NAME
    properties.comments = ""
    document.styles["Normal"].font.size = Pt(10.5)
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(18)
    section.top_margin = section.bottom_margin = Mm(20)
    # Header and footer text is small, field results (the page numbers) included.
    for name in ("Header", "Footer"):
        document.styles[name].font.size = Pt(8)
    header = section.header.paragraphs[0]
    header.text = running_text
    footer = section.footer.paragraphs[0]
    for part in ("Page ", "PAGE", " of ", "NUMPAGES"):
        if part.isupper():
            add_field(footer, part)
        else:
            footer.add_run(part)
    return document


def add_field(paragraph, code):
    """A Word field (PAGE, NUMPAGES) that Word fills in when it lays out the pages: begin,
    instruction, separator, a placeholder result and end, each in its own run as Word writes
    them (LibreOffice lays out a field squeezed into one run in the paragraph's default font)."""
    for kind, text in (("begin", None), (None, f" {code} "), ("separate", None), ("end", None)):
        run = paragraph.add_run()
        if kind is None:
            instruction = OxmlElement("w:instrText")
            instruction.set(qn("xml:space"), "preserve")
            instruction.text = text
            run._r.append(instruction)
            continue
        char = OxmlElement("w:fldChar")
        char.set(qn("w:fldCharType"), kind)
        run._r.append(char)
        if kind == "separate":
            paragraph.add_run("1")


def add_hyperlink(paragraph, url, text=None):
    """A live link: an external relationship and a w:hyperlink run styled as a link."""
    rel_id = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rel_id)
    run = paragraph.add_run(text or url)
    run.font.color.rgb = RGBColor(0x00, 0x4F, 0x8C)
    run.font.underline = True
    link.append(run._r)  # moves the run from the paragraph into the link
    paragraph._p.append(link)
    return link


def text_with_link(paragraph, text, url):
    paragraph.add_run(text)
    if url:
        paragraph.add_run(" ")
        add_hyperlink(paragraph, url)
    return paragraph


def source_paragraph(document, source, style=None):
    """A source line with its link live, worded as `source_line` words it."""
    line = source_line(source)
    url = getattr(source, "url", "")
    if url:
        line = line.removesuffix(f" <{url}>")
    return text_with_link(document.add_paragraph(style=style), line, url)


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
            paragraph = document.add_paragraph(style="List Bullet")
            text_with_link(paragraph, provision.citation(), provision.link)
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
    url = getattr(entry.line.source, "url", "")
    paragraph = labelled(
        document, "Source", source_line(entry.line.source).removesuffix(f" <{url}>")
    )
    if url:
        paragraph.add_run(" ")
        add_hyperlink(paragraph, url)
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
            caption=f"Countries whose law meets {criterion.code}: same sub-region, then same "
            "region, best evidence first",
            widths=[3, 2.5, 5.5, 2.5, 2.6],
        )
        if entry.more_peers:
            document.add_paragraph(f"… and {entry.more_peers} more countries that meet it.")
    else:
        document.add_paragraph("No assessed country meets this criterion yet.")


def gap_report_docx(report):
    country = report.country
    title = f"Gap report: {country.name}"
    document = prepare_document(
        title,
        "Child sexual exploitation law: gaps against ICMEC and Lanzarote",
        f"{title} · data as of {report.as_of_stamp}",
    )
    document.add_heading(title, level=0)
    for label, text in report_stamp(report):
        paragraph = labelled(document, label, "" if label == "Permalink" else text)
        if label == "Permalink" and report.permalink:
            add_hyperlink(paragraph, report.permalink)
        elif label == "Permalink":
            paragraph.add_run(text)

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
        ["Framework", *[statuses.label(s) for s in rules.STATUS_ORDER], "Coverage"],
        [
            (
                s.framework.short_name,
                *[s.counts[status] for status in rules.STATUS_ORDER],
                f"assessed: {s.assessed} of {s.total}",
            )
            for s in report.summaries
        ],
        caption="Cells by status per framework (not assessed is never a gap)",
        widths=[3.4, 1.9, 1.9, 2.1, 1.9, 2.1, 3],
    )
    for s in report.summaries:
        if s.is_icmec:
            labelled(document, "ICMEC", icmec_line(s))
    published_ratings_docx(document, report.published_ratings, labelled)
    reservation_lines_docx(document, report.reservation_lines, labelled)
    document.add_heading("Lanzarote Convention participation", level=2)
    participation_section(document, report.participation)
    if report.lanzarote_as_benchmark:
        document.add_paragraph().add_run(
            f"{report.country.name} is not a Party; the Convention serves as a benchmark."
        ).bold = True


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

    covered_section(document, report)

    document.add_heading("Gaps", level=1)
    detail = any(not s.is_icmec for s in report.summaries)
    document.add_paragraph(
        "Each criterion assessed as not met or partial, in priority order"
        + (" (Lanzarote at sub-paragraph level)." if detail else ".")
    )
    if not report.gaps:
        document.add_paragraph("No criterion is assessed as not met or partial.")
    for entry in report.gaps:
        gap_section(document, entry, ask="")

    document.add_heading("Reserved under the Convention", level=1)
    document.add_paragraph(
        "Not criminalised, but covered by a reservation the Convention permits (Art. 48). "
        "These are not counted as plain gaps: the ask is to withdraw the reservation."
    )
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
    if report.research_listed:
        count = len(report.research_listed)
        add_table(
            document,
            ["Criterion", "What it asks"],
            [
                (f"{line.criterion.code} {line.criterion.title}", line.criterion.summary)
                for line in report.research_listed
            ],
            caption=f"{count} criteri{'on' if count == 1 else 'a'} not yet assessed for "
            f"{report.country.name}",
            widths=[1, 2],
        )
    if report.research_benchmark:
        articles = "; ".join(f"{a.code} {a.title}: {n}" for a, n in report.research_benchmark)
        document.add_paragraph(
            f"Lanzarote Convention (a benchmark, {report.country.name} not being a Party): "
            f"{report.research_benchmark_total} sub-paragraphs not yet assessed – {articles}."
        )
    if not report.research_gaps:
        document.add_paragraph("Every criterion has been assessed.")


def _docx_sources(document, report):
    document.add_heading("Sources", level=1)
    if report.sources:
        for source in report.sources:
            source_paragraph(document, source, style="List Bullet")
    else:
        document.add_paragraph("No assessed cell, so no source yet.")
    if report.peer_sources:
        document.add_heading("Sources for the peer examples", level=2)
        for source in report.peer_sources:
            source_paragraph(document, source, style="List Bullet")


def covered_section(document, report):
    """What the law already covers: each met criterion with its provisions (linked) and source,
    as the page's table shows them."""
    document.add_heading("What the law already covers", level=1)
    document.add_paragraph(
        "Each criterion assessed as met, with the provisions and the source it rests on."
    )
    if not report.covered:
        document.add_paragraph("No criterion is assessed as met yet.")
        return
    count = len(report.covered)
    table = add_table(
        document,
        ["Criterion", "Provisions relied on", "Source", "As of"],
        [],
        caption=f"{count} criteri{'on' if count == 1 else 'a'} met by the law of "
        f"{report.country.name}",
        widths=[3, 3.5, 3.5, 1.8],
    )
    for line in report.covered:
        cells = add_row(table)
        cells[
            0
        ].text = f"{line.criterion.code} {line.criterion.title} ({statuses.label(line.status)})"
        first = cells[1].paragraphs[0]
        for index, provision in enumerate(line.provisions):
            paragraph = first if index == 0 else cells[1].add_paragraph()
            text_with_link(paragraph, provision.citation(), provision.link)
        if not line.provisions:
            first.add_run("no provision cited")
        url = getattr(line.source, "url", "")
        text_with_link(
            cells[2].paragraphs[0], source_line(line.source).removesuffix(f" <{url}>"), url
        )
        cells[3].text = line.as_of


def participation_section(document, participation):
    labelled(document, "Standing", participation.standing)
    if participation.record is not None:
        treaty_record_docx(document, participation.treaty_record, labelled)
    if participation.needs_confirmation:
        paragraph = document.add_paragraph(
            f"{participation.date_quality_note} Confirm them with the Council of Europe "
            "Treaty Office chart for treaty 201: "
        )
        add_hyperlink(paragraph, participation.chart_url)


def report_stamp(report):
    return [
        ("Data as of", report.as_of_stamp),
        *(
            [("As published on", f"{report.published_at:%d %B %Y} (end of the day, UTC)")]
            if report.published_at
            else []
        ),
        ("Generated", report.generated_text),
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
