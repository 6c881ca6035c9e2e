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
    header = section.header.paragraphs[0]
    header.text = running_text
    header.runs[0].font.size = Pt(8)
    footer = section.footer.paragraphs[0]
    for part in ("Page ", "PAGE", " of ", "NUMPAGES"):
        if part.isupper():
            add_field(footer, part)
        else:
            footer.add_run(part).font.size = Pt(8)
    return document


def add_field(paragraph, code):
    """A Word field (PAGE, NUMPAGES) that Word fills in when it lays out the pages."""
    run = paragraph.add_run()
    run.font.size = Pt(8)
    for kind, text in (("begin", None), (None, f" {code} "), ("separate", None), ("end", None)):
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
            placeholder = OxmlElement("w:t")
            placeholder.text = "1"
            run._r.append(placeholder)


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
        ["Framework", *[s.label for s in rules.STATUS_ORDER], "Assessed"],
        [
            (
                s.framework.short_name,
                *[s.counts[status] for status in rules.STATUS_ORDER],
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
    if report.research_listed:
        add_table(
            document,
            ["Criterion", "What it asks"],
            [
                (f"{line.criterion.code} {line.criterion.title}", line.criterion.summary)
                for line in report.research_listed
            ],
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
    )
    for line in report.covered:
        cells = table.add_row().cells
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
