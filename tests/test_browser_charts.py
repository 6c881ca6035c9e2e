"""The new public pages in a real browser: charts at desktop and phone widths, and axe-core."""

import pytest

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1366, 390])
def test_the_charts_draw_with_titles_axes_and_tables(page, screenshot, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/figures/over-time/?criterion=ICMEC.2")
    charts = page.locator("figure.chart svg[role=img]")
    assert charts.count() == 3
    for i in range(3):
        assert charts.nth(i).bounding_box()["height"] > 100
    # On a phone the chart scrolls inside its frame; the page itself never scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    editions = page.locator("#chart-icmec-editions")
    assert "“sufficient” redefined" in editions.inner_text()
    editions.locator("summary").click()
    assert "118" in editions.get_by_role("table").inner_text()
    path = screenshot(f"charts-{width}")
    editions.screenshot(path=str(path.with_name(f"chart-icmec-editions-{width}.png")))


@pytest.mark.parametrize(
    "path", ["/figures/over-time/?region=Asia", "/changes/", "/countries/ph/?as_of=2026-01-01"]
)
def test_the_new_pages_pass_axe(page, path, axe_violations):
    page.goto(path)
    assert axe_violations(page) == []
