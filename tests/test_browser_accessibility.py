"""axe-core, the pinned npm package in tools/axe/, runs in Debian's chromium on every public
page and the main editor pages: zero violations. Keyboard-only use of the comparison filters and
table is tested too."""

import pytest

from legislation.models import Country

from .factories import make_user
from .test_browser_review import sign_in
from .test_gaps import philippines_with_gaps

pytestmark = pytest.mark.browser


PUBLIC_PAGES = [
    "/",
    "/compare/",
    "/compare/?framework=lanzarote&detail=on&where=L23:not_met",
    "/compare/?framework=lanzarote",
    "/countries/",
    "/countries/?q=burma",
    "/countries/ph/",
    "/countries/sg/",
    "/countries/ph/gaps/",
    "/countries/fr/gaps/",
    "/compare/countries/?c=ph&c=th",
    "/reports/gaps/",
    "/reports/gaps/?region=South-eastern+Asia",
    "/criteria/",
    "/criteria/ICMEC.2/",
    "/criteria/Art.20/",
    "/figures/",
    "/countries/zz/",
]
EDITOR_PAGES = [
    "/admin/",
    "/admin/legislation/assessment/",
    "/admin/legislation/changeproposal/",
]


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_it_finds_no_accessibility_violation_on_a_public_page(page, url, axe_violations):
    philippines_with_gaps()
    page.goto(url)
    violations = axe_violations(page)
    assert violations == [], "\n".join(map(str, violations))


@pytest.mark.parametrize(
    "url", ["/compare/?framework=lanzarote&detail=on", "/countries/ph/", "/countries/ph/gaps/"]
)
def test_it_finds_no_accessibility_violation_on_the_phone_layout(page, url, axe_violations):
    # Tables become cards at this width (site.css, `table.data.cards`).
    philippines_with_gaps()
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(url)
    violations = axe_violations(page)
    assert violations == [], "\n".join(map(str, violations))


@pytest.mark.parametrize("url", EDITOR_PAGES)
def test_it_finds_no_accessibility_violation_on_an_editor_page(page, url, axe_violations):
    make_user("eddie", groups=["Editors"])
    sign_in(page, "eddie")
    page.goto(url)
    violations = axe_violations(page)
    assert violations == [], "\n".join(map(str, violations))


def test_it_finds_no_accessibility_violation_on_the_admin_country_page(page, axe_violations):
    make_user("eddie", groups=["Editors"])
    sign_in(page, "eddie")
    philippines = Country.objects.get(iso2="PH")
    page.goto(f"/admin/legislation/country/{philippines.pk}/change/")
    # Select2 draws its widgets when the document is ready; admin_labels.js names each one as
    # it is drawn. Ready means: every autocomplete select in a row has its widget, and every
    # widget has its name. (A function, not an expression string: the page's CSP forbids eval.)
    page.wait_for_function(
        """() => {
            const selects = [...document.querySelectorAll(
                'select.admin-autocomplete:not([name*="__prefix__"])')];
            return selects.length > 0 && selects.every(s => {
                const box = s.nextElementSibling;
                return box && box.classList.contains('select2') &&
                    box.querySelector('[role="combobox"][aria-label]');
            });
        }"""
    )
    violations = axe_violations(page)
    assert violations == [], "\n".join(map(str, violations))


def tab_to(page, predicate, limit=80):
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(predicate):
            return True
    return False


def test_it_filters_the_comparison_by_keyboard_alone(page):
    page.goto("/compare/")
    assert tab_to(page, "document.activeElement.name === 'q'")
    page.keyboard.type("burma")
    page.keyboard.press("Enter")
    page.wait_for_url("**q=burma**")
    rows = page.locator("table.compare tbody th").all_inner_texts()
    assert [r.split()[0] for r in rows] == ["Myanmar"]


def test_it_picks_a_criterion_status_and_sorts_the_table_by_keyboard_alone(page):
    philippines_with_gaps()
    page.goto("/compare/")
    assert tab_to(page, "document.activeElement.tagName === 'SUMMARY'")
    page.keyboard.press("Enter")  # opens the criterion picker
    assert tab_to(page, "document.activeElement.value === 'ICMEC.5:not_met'")
    page.keyboard.press("Space")
    assert tab_to(page, "document.activeElement.type === 'submit'")
    page.keyboard.press("Enter")
    page.wait_for_url("**where=ICMEC.5%3Anot_met**")
    rows = page.locator("table.compare tbody th").all_inner_texts()
    assert [r.split()[0] for r in rows] == ["Philippines"]
    # A column heading is a link reached by Tab; Enter sorts by it.
    assert tab_to(page, "document.activeElement.closest('thead') !== null")
    page.keyboard.press("Enter")
    page.wait_for_url("**sort=**")
    assert page.locator("table.compare thead th[aria-sort]").count() == 1


def test_it_reports_a_violation_axe_should_find(page, axe_violations):
    # The check itself can fail: an image without alt text and an unlabelled field are found.
    page.goto("/")
    page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend',"
        ' \'<img src="data:,"><input type="text">\')'
    )
    found = {rule for rule, *_ in axe_violations(page)}
    assert {"image-alt", "label"} <= found
