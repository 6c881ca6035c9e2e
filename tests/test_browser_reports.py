"""Country profile, gap report, side-by-side view and regional report in a real browser."""

import pytest

from .scenarios import philippines_with_gaps

pytestmark = pytest.mark.browser


def test_it_shows_a_seed_country_profile_with_its_not_met_definition_and_source(page, screenshot):
    page.goto("/countries/sg/")
    assert page.get_by_role("heading", level=1).inner_text() == "Singapore"
    row = page.locator("table.criteria tr", has=page.locator("th", has_text="ICMEC.2"))
    assert "not met" in row.inner_text()
    assert "Global Threat Assessment 2019" in row.inner_text()
    assert "not a Party" in page.locator("dl.participation").inner_text()
    screenshot("country-profile-sg")


def test_it_lists_each_gap_and_its_peers_in_the_gap_report(page, screenshot):
    philippines_with_gaps()
    page.goto("/countries/ph/gaps/")
    gap_headings = page.locator("section.gap h3").all_inner_texts()
    assert [h.split(" ")[0] for h in gap_headings] == ["ICMEC.2", "L23", "ICMEC.5", "L20.1.f"]
    # The hostile note is shown as text, and no script ran from it.
    assert '<script>alert("x")</script>' in page.locator("#gap-icmec-2").inner_text()
    page.get_by_role("link", name="L23 Art. 23: Solicitation of children").click()
    assert page.url.endswith("#gap-l23")
    peers = page.locator("#gap-icmec-2 table.peers tbody tr").all_inner_texts()
    assert peers[0].startswith("Thailand")
    screenshot("gap-report-ph")


def test_it_prints_the_gap_report_without_the_site_menus(page, screenshot):
    philippines_with_gaps()
    page.goto("/countries/ph/gaps/")
    page.emulate_media(media="print")
    assert not page.locator(".site-header nav").is_visible()
    assert not page.locator("p.actions").is_visible()
    assert page.locator("#gaps").is_visible()
    screenshot("gap-report-ph-print")


def test_it_downloads_briefings_named_with_the_iso_code_and_date(page):
    page.goto("/countries/sg/gaps/")
    with page.expect_download() as pdf:
        page.get_by_role("link", name="PDF").click()
    assert pdf.value.suggested_filename.startswith("gap-report-sg-")
    assert pdf.value.suggested_filename.endswith(".pdf")
    with page.expect_download() as word:
        page.get_by_role("link", name="Word").click()
    assert word.value.suggested_filename.endswith(".docx")


def test_it_compares_countries_chosen_with_the_form_and_toggles_differences(page, screenshot):
    philippines_with_gaps()
    page.goto("/compare/countries/")
    page.get_by_label("Country 1", exact=True).select_option("ph")
    page.get_by_label("Country 2", exact=True).select_option("th")
    page.get_by_role("button", name="Compare").click()
    assert "c=ph" in page.url and "c=th" in page.url
    all_rows = page.locator("table.sidebyside tbody tr").count()
    page.get_by_role("link", name="Show only the").click()
    assert "diff=1" in page.url
    assert page.locator("table.sidebyside tbody tr").count() < all_rows
    screenshot("side-by-side-ph-th")


def test_it_explains_the_limit_when_six_countries_are_compared(page):
    page.goto("/compare/countries/?c=ph&c=th&c=gb&c=fr&c=de&c=us")
    assert "Choose at most 5 countries" in page.locator("form").inner_text()


def test_it_reports_on_a_sub_region_with_a_csv_download(page, screenshot):
    philippines_with_gaps()
    page.goto("/reports/gaps/")
    page.get_by_label("Region or sub-region").select_option("South-eastern Asia")
    page.get_by_role("button", name="Show the report").click()
    matrix = page.locator("table.matrix")
    assert matrix.locator("tbody tr").count() == 11
    assert "Philippines" in page.locator("table.by-criterion").inner_text()
    with page.expect_download() as csv:
        page.get_by_role("link", name="CSV").click()
    assert csv.value.suggested_filename.startswith("gap-report-icmec-")
    screenshot("regional-report-sea")


def test_it_offers_a_search_for_an_unknown_country_code(page, screenshot):
    response = page.goto("/countries/zz/")
    assert response.status == 404
    page.get_by_label("Find a country by name or ISO code").fill("philipp")
    page.get_by_role("button", name="Search").click()
    assert (
        page.locator("table.country-list tbody tr").all_inner_texts()[0].startswith("Philippines")
    )
    screenshot("country-search-from-404")


def test_it_searches_countries_by_keyboard_alone(page):
    page.goto("/countries/")
    for _ in range(15):  # skip link, site name, five menu links, then the search field
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "q":
            break
    assert page.evaluate("document.activeElement.name") == "q"
    page.keyboard.type("thai")
    page.keyboard.press("Enter")
    page.wait_for_url("**/countries/?q=thai**")
    assert page.locator("table.country-list tbody tr").all_inner_texts()[0].startswith("Thailand")


# Boxes wider than the screen or than themselves (the page would scroll sideways).
TOO_WIDE = """() => [document.documentElement, ...document.querySelectorAll('main, main section,'
    + ' main table')].filter(b => b.scrollWidth > b.clientWidth + 1)
    .map(b => `${b.tagName}.${b.className} ${b.scrollWidth}>${b.clientWidth}`)"""

# Each cell of a table's first card: the column's name as drawn from data-label by CSS, and
# the cell's text.
FIRST_CARD = """(table) => [...table.querySelector('tbody tr').querySelectorAll('td')].map(
    td => [getComputedStyle(td, '::before').content, td.innerText.trim()])"""


PROFILE_COLUMNS = ["Status", "As of", "Evidence", "Source", "Provisions cited", "Note"]
PEER_COLUMNS = ["Proximity", "Provisions relied on", "As of", "Evidence"]


@pytest.mark.parametrize(
    "url,table,columns,name",
    [
        ("/countries/ph/", "table.criteria", PROFILE_COLUMNS, "country-profile-ph-phone"),
        ("/countries/ph/gaps/", "table.peers", PEER_COLUMNS, "gap-report-ph-phone"),
    ],
)
def test_it_shows_profile_and_gap_report_tables_as_cards_on_a_phone(
    page, screenshot, url, table, columns, name
):
    philippines_with_gaps()
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(url)
    assert page.evaluate(TOO_WIDE) == []
    first = page.locator(table).first
    assert first.locator("thead").bounding_box()["width"] <= 1  # kept for screen readers only
    # The card: the row's heading on top, then each cell under its column's name.
    card = first.locator("tbody tr").first
    assert card.locator("th").bounding_box()["y"] < card.locator("td").first.bounding_box()["y"]
    cells = first.evaluate(FIRST_CARD)
    assert [label for label, _ in cells] == [f'"{c}"' for c in columns]
    screenshot(name)


def test_the_status_reads_in_words_on_a_profile_card(page):
    philippines_with_gaps()
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto("/countries/ph/")
    row = page.locator("table.criteria tbody tr", has=page.locator("th", has_text="ICMEC.2"))
    status = row.locator("td[data-label='Status']")
    assert status.evaluate("td => getComputedStyle(td, '::before').content") == '"Status"'
    assert status.inner_text().startswith("◐ partial")  # symbol and word, not colour alone
