import pytest

pytestmark = pytest.mark.browser


def test_the_home_page_states_coverage_in_a_real_browser(page, screenshot):
    page.goto("/")
    assert page.title().startswith("Child sexual exploitation laws")
    coverage = page.locator("dl.summary-band").inner_text()
    assert "196" in coverage and "48" in coverage
    table = page.get_by_role("table", name="Cells assessed per framework")
    assert "assessed: 16 of 980" in table.inner_text()
    # Status is readable without colour: every badge carries its word.
    assert "not assessed" in table.locator("thead").inner_text()
    screenshot("home")
