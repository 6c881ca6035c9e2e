import csv
import io

import pytest

pytestmark = pytest.mark.browser


def table_codes(page):
    return page.locator("#comparison tbody th .code").all_inner_texts()


def test_it_sorts_filters_switches_and_downloads_what_the_table_shows(page, screenshot):
    page.goto("/compare/")
    assert len(table_codes(page)) == 196
    screenshot("compare-all")

    # Sort by ICMEC.2: the eight seed cells ("not met") come before the unassessed ones.
    page.locator("#comparison thead").get_by_role("link", name="ICMEC.2").click()
    assert "sort=c_ICMEC_2" in page.url
    first = page.locator("#comparison tbody tr").first.inner_text()
    assert "not met" in first
    assert (
        page.locator("#comparison thead th[aria-sort='ascending']")
        .inner_text()
        .startswith("ICMEC.2")
    )

    # Filter by region, keeping the sort.
    page.get_by_label("Region", exact=True).select_option("Asia")
    page.get_by_role("button", name="Show the table").click()
    assert "region=Asia" in page.url
    asia = table_codes(page)
    assert 40 < len(asia) < 60 and asia[0] in {"CN", "ID", "LB", "SA", "SG", "VN"}
    assert "region: Asia" in page.locator(".active-filters").inner_text()
    screenshot("compare-asia-sorted")

    # Switch to the Lanzarote Convention with every sub-paragraph.
    page.get_by_label("Standard").select_option("lanzarote")
    page.get_by_label("Show every sub-paragraph (Lanzarote)").check()
    page.get_by_role("button", name="Show the table").click()
    headers = page.locator("#comparison thead th").all_inner_texts()
    # Each heading leads with the code, then a few words of the criterion's name.
    assert "L20.1.f" in [h.split()[0] for h in headers]
    assert any(h.startswith("L20.1.f") and "Knowingly obtaining access" in h for h in headers)
    assert len(headers) == 2 + 21 + 2
    shown = table_codes(page)
    assert len(shown) == len(asia)
    screenshot("compare-lanzarote-detail")

    # Download the CSV: its rows are the table's rows, in the table's order.
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV (wide)").click()
    with open(info.value.path(), encoding="utf-8-sig") as download:
        text = download.read()
    rows = list(
        csv.reader(
            io.StringIO("\n".join(line for line in text.splitlines() if not line.startswith("#")))
        )
    )
    assert rows[0][4] == "L18.1.a"
    assert [row[0] for row in rows[1:]] == shown


def test_it_can_be_used_with_the_keyboard(page, screenshot):
    page.goto("/compare/?region=Europe")
    page.keyboard.press("Tab")  # skip link
    page.keyboard.press("Enter")
    for _ in range(80):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "document.activeElement.closest('#comparison thead') ? "
            "document.activeElement.textContent : ''"
        )
        if focused.strip().startswith("ICMEC.1"):
            break
    else:
        pytest.fail("the ICMEC.1 column heading cannot be reached with Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**sort=c_ICMEC_1**")
    screenshot("compare-keyboard-sorted")
