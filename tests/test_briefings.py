"""The gap report's briefing files: PDF (WeasyPrint) and Word (python-docx)."""

import io
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader

from legislation.reports.pdf import local_only_fetcher

from .scenarios import HOSTILE_NOTE, philippines_with_gaps

pytestmark = pytest.mark.usefixtures("reference_data")

SCREENSHOTS = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"
GAP_HEADINGS = [
    "ICMEC.2 Definition of CSAM",
    "L23 Art. 23: Solicitation of children for sexual purposes (grooming)",
    "ICMEC.5 ISP reporting",
]
RESERVED_HEADING = "L20.1.f Art. 20: Knowingly obtaining access through ICT"
SECTIONS = [
    "Summary",
    "Priority list",
    "Gaps",
    "Reserved under the Convention",
    "Research gaps: not assessed",
    "Sources",
    "What the criterion requires",
    "What the current law misses",
    "What a law should contain",
    "Evidence",
    "Peer countries that meet it",
]


def pdf_text(content):
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return re.sub(r"\s+", " ", text)


def docx_document(content):
    return Document(io.BytesIO(content))


def docx_text(document):
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return re.sub(r"\s+", " ", "\n".join(parts))


@pytest.fixture
def briefing(client):
    philippines_with_gaps()
    return {
        "html": client.get("/countries/ph/gaps/"),
        "pdf": client.get("/countries/ph/gaps.pdf"),
        "docx": client.get("/countries/ph/gaps.docx"),
    }


def test_it_downloads_the_pdf_named_with_the_iso_code_and_date(briefing):
    response = briefing["pdf"]
    assert response["Content-Type"] == "application/pdf"
    assert re.fullmatch(
        r'attachment; filename="gap-report-ph-\d{4}-\d{2}-\d{2}\.pdf"',
        response["Content-Disposition"],
    )
    assert response.content.startswith(b"%PDF-")


def test_it_puts_every_gap_section_and_section_heading_in_the_pdf(briefing):
    text = pdf_text(briefing["pdf"].content)
    for heading in GAP_HEADINGS + [RESERVED_HEADING] + SECTIONS:
        assert heading in text, heading


def test_it_keeps_the_gap_sections_in_the_same_order_in_the_pdf_and_the_page(briefing):
    text = pdf_text(briefing["pdf"].content)
    html = briefing["html"].content.decode()
    positions_pdf = [text.index(h, text.index("Each criterion assessed")) for h in GAP_HEADINGS]
    positions_html = [html.index(f">{h} ") for h in GAP_HEADINGS]
    assert positions_pdf == sorted(positions_pdf) and positions_html == sorted(positions_html)


def test_it_shows_the_as_of_date_and_the_sources_in_the_pdf(briefing):
    text = pdf_text(briefing["pdf"].content)
    assert "Data as of 31 January 2024 to 1 March 2024" in text
    assert "Desk review of the Philippine Anti-OSAEC Act" in text
    assert "Sources for the peer examples" in text


def test_it_names_the_peers_and_their_provisions_in_the_pdf(briefing):
    text = pdf_text(briefing["pdf"].content)
    assert "Thailand" in text and "s. 1(17) Criminal Code" in text


def test_it_shows_hostile_note_text_as_plain_text_in_the_pdf(briefing):
    text = pdf_text(briefing["pdf"].content)
    assert '<script>alert("x")</script>' in text
    assert '=HYPERLINK("http://evil.example","y")' in text
    # Nothing in the PDF is a link to the hostile URL: it is only text.
    reader = PdfReader(io.BytesIO(briefing["pdf"].content))
    uris = [
        annotation.get_object().get("/A", {}).get("/URI")
        for page in reader.pages
        for annotation in page.get("/Annots", []) or []
    ]
    assert not [u for u in uris if u and "evil.example" in u]


def test_it_links_peers_in_the_pdf_to_the_site_itself(briefing):
    reader = PdfReader(io.BytesIO(briefing["pdf"].content))
    uris = {
        annotation.get_object().get("/A", {}).get("/URI")
        for page in reader.pages
        for annotation in page.get("/Annots", []) or []
    }
    assert "http://testserver/countries/th/" in uris
    assert not [u for u in uris if u and "briefing.invalid" in u]


def test_it_renders_the_pdf_to_png_for_a_look(briefing):
    pdftoppm = shutil.which("pdftoppm")
    if not pdftoppm:
        pytest.fail("pdftoppm is missing: run tools/system_deps.sh")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pdf = SCREENSHOTS / "gap-report-ph.pdf"
    pdf.write_bytes(briefing["pdf"].content)
    subprocess.run(  # noqa: S603 - fixed arguments, our own file
        [
            pdftoppm,
            "-r",
            "70",
            "-png",
            "-f",
            "1",
            "-l",
            "3",
            str(pdf),
            str(SCREENSHOTS / "gap-report-pdf"),
        ],
        check=True,
    )
    pages = sorted(SCREENSHOTS.glob("gap-report-pdf-*.png"))
    assert pages and all(p.stat().st_size > 10_000 for p in pages)


def test_it_downloads_the_word_file_named_with_the_iso_code_and_date(briefing):
    response = briefing["docx"]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert re.fullmatch(
        r'attachment; filename="gap-report-ph-\d{4}-\d{2}-\d{2}\.docx"',
        response["Content-Disposition"],
    )


def test_it_gives_the_word_file_real_headings_for_every_gap_and_section(briefing):
    document = docx_document(briefing["docx"].content)
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    for heading in GAP_HEADINGS + [RESERVED_HEADING]:
        assert any(h.startswith(heading) for h in headings), heading
    for section in SECTIONS:
        assert section in headings, section


def test_it_gives_the_word_file_tables_with_header_rows(briefing):
    document = docx_document(briefing["docx"].content)
    summary = document.tables[0]
    assert summary.rows[0].cells[0].text == "Framework"
    assert summary.rows[0]._tr.trPr.xpath("./w:tblHeader")
    peers = [t for t in document.tables if t.rows[0].cells[0].text == "Country"]
    assert "Thailand" in [row.cells[0].text for row in peers[0].rows]


def test_it_shows_the_as_of_date_and_the_sources_in_the_word_file(briefing):
    text = docx_text(docx_document(briefing["docx"].content))
    assert "Data as of: 31 January 2024 to 1 March 2024" in text
    assert "Desk review of the Philippine Anti-OSAEC Act" in text
    assert "Permalink: http://testserver/countries/ph/gaps/" in text


def test_it_keeps_hostile_note_text_as_plain_text_in_the_word_file(briefing):
    document = docx_document(briefing["docx"].content)
    assert HOSTILE_NOTE in docx_text(document)
    # No field codes or hyperlinks were created from it.
    xml = document.element.xml
    assert "instrText" not in xml
    targets = [rel.target_ref for rel in document.part.rels.values() if rel.is_external]
    assert targets and not any("evil.example" in t for t in targets)


def test_it_escapes_hostile_note_text_on_the_gap_report_page(briefing):
    html = briefing["html"].content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_it_gives_the_page_pdf_and_word_file_the_same_gap_sections(briefing):
    html = briefing["html"].content.decode()
    text_pdf = pdf_text(briefing["pdf"].content)
    text_docx = docx_text(docx_document(briefing["docx"].content))
    for heading in GAP_HEADINGS + [RESERVED_HEADING]:
        assert heading in html and heading in text_pdf and heading in text_docx


STATUS_SUFFIX = re.compile(r"\s*\(?[✔◐✘⊘?] (met|partial|not met|reserved|not assessed)\)?$")


def html_headings(html):
    """(level, text) of every heading of the report body, status badges left out."""
    body = html[html.index("<h1>Gap report") :]
    headings = []
    for level, inner in re.findall(r"<h([1-4])[^>]*>(.*?)</h\1>", body, flags=re.S):
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", inner)).strip()
        headings.append((int(level), STATUS_SUFFIX.sub("", unescape(text))))
    return headings


def docx_headings(document):
    headings = []
    for paragraph in document.paragraphs:
        style = paragraph.style.name
        if style == "Title":
            headings.append((1, paragraph.text))
        elif style.startswith("Heading "):
            level = int(style.split()[1]) + 1
            headings.append((level, STATUS_SUFFIX.sub("", paragraph.text)))
    return headings


def test_it_gives_the_word_file_the_same_headings_as_the_page_in_the_same_order(briefing):
    page = html_headings(briefing["html"].content.decode())
    word = docx_headings(docx_document(briefing["docx"].content))
    assert len(page) > 30  # title, sections and six headings per gap or reserved item
    assert word == page


def test_it_puts_every_heading_of_the_page_in_the_pdf(briefing):
    text = pdf_text(briefing["pdf"].content)
    for _, heading in html_headings(briefing["html"].content.decode()):
        assert heading in text, heading


def test_it_answers_a_briefing_for_an_unknown_country_with_a_404(client):
    assert client.get("/countries/zz/gaps.pdf").status_code == 404
    assert client.get("/countries/zz/gaps.docx").status_code == 404


def test_it_states_a_seed_country_gap_and_source_in_its_briefing(client):
    text = pdf_text(client.get("/countries/sg/gaps.pdf").content)
    assert "ICMEC.2 Definition of CSAM" in text
    # The newer source (2021) is the cell's; the older one is named in its note.
    assert "Rahamathulla" in text
    assert "Global Threat Assessment 2019" in text
    assert "Data as of 2021" in text


# --- the fetcher --------------------------------------------------------------------------------


def test_it_refuses_the_network_in_the_pdf_fetcher():
    fetcher = local_only_fetcher()
    for url in ["https://example.org/x.png", "http://127.0.0.1/", "file:///etc/passwd"]:
        with pytest.raises(ValueError):
            fetcher(url)


def test_it_serves_our_own_stylesheets_and_data_uris_in_the_pdf_fetcher():
    fetcher = local_only_fetcher("http://laws.example.org/")
    css = fetcher("http://laws.example.org/static/legislation/print.css")
    assert b"@page" in css.read()
    assert fetcher("data:text/plain,hello").read() == b"hello"
    with pytest.raises(ValueError):
        fetcher("http://laws.example.org/static/../config/settings.py")
    with pytest.raises(ValueError):
        fetcher("http://laws.example.org/countries/ph/")  # our own pages: not fetched either


# What the law already covers, running headers, A4 Word files with fields and live links.

COVERED = "ICMEC.1 Legislation specific to CSAM"
COVERED_PROVISION = "Anti-OSAEC and Anti-CSAEM Act (2022), Sec. 4"


def test_it_shows_what_the_law_already_covers_before_the_gaps_on_the_page(briefing):
    html = briefing["html"].content.decode()
    covered = html.index('id="covered"')
    assert covered < html.index('id="gaps"')
    section = html[covered : html.index('id="gaps"')]
    assert COVERED in section and "Sec. 4" in section
    assert "Desk review of the Philippine Anti-OSAEC Act" in section


def test_it_shows_what_the_law_already_covers_in_the_pdf_before_the_gaps(briefing):
    text = pdf_text(briefing["pdf"].content)
    covered = text.index("What the law already covers")
    assert covered < text.index("Gaps Each criterion")
    assert "Sec. 4" in text[covered : text.index("Gaps Each criterion")]


def test_it_shows_what_the_law_already_covers_in_the_word_file(briefing):
    document = docx_document(briefing["docx"].content)
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings.index("What the law already covers") < headings.index("Gaps")
    assert COVERED_PROVISION in docx_text(document)


def test_it_names_the_country_and_the_as_of_date_on_every_pdf_page(briefing):
    pages = PdfReader(io.BytesIO(briefing["pdf"].content)).pages
    assert len(pages) > 2
    for page in pages:
        text = re.sub(r"\s+", " ", page.extract_text())
        assert "Gap report: Philippines" in text
        assert "Data as of 31 January 2024 to 1 March 2024" in text


def test_it_keeps_a_non_partys_lanzarote_research_gaps_to_one_summary(briefing):
    html = briefing["html"].content.decode()
    research = html[html.index('id="research"') : html.index('id="sources"')]
    assert "is not a Party; the Convention serves as a benchmark" in html
    # ICMEC's unassessed criteria are listed; Lanzarote's 19 are one line, not 19 rows.
    assert research.count("<tr>") == 1 + 2
    assert "19 sub-paragraphs not yet assessed" in research
    assert "L18.1.a" not in research


def test_it_lists_a_partys_lanzarote_research_gaps_one_by_one(client):
    html = client.get("/countries/fr/gaps/").content.decode()
    research = html[html.index('id="research"') : html.index('id="sources"')]
    assert "L18.1.a" in research and "benchmark" not in research


def test_it_makes_the_word_file_a4_with_the_app_as_author(briefing):
    document = docx_document(briefing["docx"].content)
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    properties = document.core_properties
    assert properties.author == "CSE law gap analysis"
    assert properties.title == "Gap report: Philippines"
    assert "ICMEC" in properties.subject


def test_it_numbers_the_word_files_pages_with_field_codes_and_names_the_country_above(briefing):
    document = docx_document(briefing["docx"].content)
    section = document.sections[0]
    assert "Gap report: Philippines" in section.header.paragraphs[0].text
    assert "data as of 31 January 2024" in section.header.paragraphs[0].text
    footer = section.footer.paragraphs[0]._p.xml
    assert "PAGE" in footer and "NUMPAGES" in footer and 'w:fldCharType="begin"' in footer


def test_it_writes_live_links_in_the_word_file(briefing):
    document = docx_document(briefing["docx"].content)
    targets = {
        rel.target_ref
        for rel in document.part.rels.values()
        if rel.reltype.endswith("/hyperlink") and rel.is_external
    }
    assert "http://testserver/countries/ph/gaps/" in targets
    assert "<w:hyperlink " in document.element.xml


def test_it_words_the_generated_date_the_same_in_pdf_and_word(briefing):
    stamp = re.search(
        r"Generated (\d{1,2} \w+ \d{4}, \d\d:\d\d UTC)", pdf_text(briefing["pdf"].content)
    )
    assert stamp and stamp.group(1) in docx_text(docx_document(briefing["docx"].content))


# Page breaks. WeasyPrint lays the briefing out in pages before writing the PDF; the laid-out
# pages (the same ones written to the file) say which element each line of text belongs to.
def last_lines(document):
    """Each page's last line of text but the last page's: (page number, text, tags around it)."""
    from weasyprint.formatting_structure import boxes

    def lines(box, tags):
        if isinstance(box, boxes.MarginBox):  # the running header and the page number
            return
        if box.element_tag and (not tags or tags[-1][1] is not box.element):
            tags = [*tags, (box.element_tag, box.element)]
        if isinstance(box, boxes.LineBox):
            text = "".join(b.text for b in box.descendants() if isinstance(b, boxes.TextBox))
            if text.strip():
                yield text.strip(), [tag for tag, _ in tags]
            return
        for child in getattr(box, "children", []):
            yield from lines(child, tags)

    for number, page in enumerate(document.pages[:-1], 1):
        on_page = list(lines(page._page_box, []))
        if on_page:
            text, tags = on_page[-1]
            yield number, text, tags


def stranded(document):
    """Pages that end with a table's caption or header, or with a heading: what they
    introduce starts on the next page."""
    leading = {"caption", "thead", "h1", "h2", "h3", "h4"}
    return [(n, text) for n, text, tags in last_lines(document) if leading & set(tags)]


@pytest.mark.parametrize("iso2", ["PH", "SG"])
def test_it_ends_no_pdf_page_on_a_caption_or_a_heading(client, iso2):
    from legislation.models import Country
    from legislation.reports.gap_report import build_gap_report
    from legislation.reports.pdf import gap_report_document

    philippines_with_gaps()
    country = Country.objects.get(iso2=iso2)
    document = gap_report_document(build_gap_report(country, permalink="https://x.invalid/"))
    assert len(document.pages) > 2
    assert stranded(document) == []


def test_it_keeps_a_caption_with_its_table_wherever_the_page_breaks(client):
    # A peers table starting anywhere near the foot of a page, after text of that height:
    # the caption (and the heading above it) never stay behind on their own.
    from weasyprint import CSS, HTML

    from legislation.reports.pdf import read_static

    sheets = [
        CSS(string=read_static(f"legislation/{name}").decode())
        for name in ["tokens.css", "site.css", "reports.css", "print.css"]
    ]
    row = (
        "<tr><th scope='row'>Thailand</th><td>same sub-region</td><td>Criminal Code, s. 1(17)"
        "</td><td>31 January 2024</td><td>B</td></tr>"
    )
    table = (
        "<h4>Peer countries that meet it</h4><table class='data peers cards cards-text'>"
        "<caption>Countries whose law meets ICMEC.2: same sub-region, then same region, best "
        "evidence first</caption><thead><tr><th>Country</th><th>Proximity</th><th>Provisions "
        f"relied on</th><th>As of</th><th>Evidence</th></tr></thead><tbody>{row * 3}</tbody>"
        "</table><p>After the table.</p>"
    )
    found = {}
    for above in range(200, 252, 2):  # millimetres of text above the table
        html = (
            f"<body class='briefing'><main><section class='gap'><div style='height: {above}mm'>"
            f"</div>{table}</section></main></body>"
        )
        document = HTML(string=html).render(stylesheets=sheets)
        if stranded(document):
            found[above] = stranded(document)
    assert found == {}


def test_it_captions_sizes_and_shades_every_table_of_the_word_file(briefing):
    from docx.oxml.ns import qn

    document = docx_document(briefing["docx"].content)
    body = list(document.element.body.iterchildren())
    tables = [i for i, element in enumerate(body) if element.tag == qn("w:tbl")]
    assert len(tables) >= 4
    for index in tables:
        before = body[index - 1]
        style = before.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
        assert style is not None and style.get(qn("w:val")) == "Caption"
    for table in document.tables:
        widths = [column.width.mm for column in table.columns]
        assert abs(sum(widths) - 174) < 1  # the text width between the margins
        header = table.rows[0].cells[0]._tc.xml
        assert 'w:fill="E8EDF2"' in header
    peers = next(t for t in document.tables if t.rows[0].cells[0].text == "Country")
    country, _, provisions, *_ = (c.width.mm for c in peers.columns)
    assert provisions > country  # the long column gets the room


def test_it_writes_the_word_files_page_number_fields_as_word_does(briefing):
    # One run per field part: LibreOffice draws a field packed into a single run in the
    # paragraph's default font, not the footer's small one.
    footer = docx_document(briefing["docx"].content).sections[0].footer.paragraphs[0]
    assert footer.style.font.size.pt == 8
    parts = [
        child.tag.rsplit("}", 1)[1]
        for run in footer.runs
        for child in run._r.iterchildren()
        if child.tag.endswith(("}fldChar", "}instrText"))
    ]
    assert parts.count("fldChar") == 6  # begin, separate, end for PAGE and for NUMPAGES
    assert all(
        sum(1 for c in run._r.iterchildren() if c.tag.endswith(("}fldChar", "}instrText"))) <= 1
        for run in footer.runs
    )
