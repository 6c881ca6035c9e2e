"""An editor imports a spreadsheet, a reviewer approves it, and the history shows both: in a
real browser, through the pages people use."""

import pytest

from legislation.models import ChangeProposal, Country
from legislation.statuses import Status

from .factories import cell, make_user

pytestmark = pytest.mark.browser

CSV = (
    "# long export of the comparison page\n"
    "iso2,country,framework,criterion,status,as_of,as_of_precision,evidence_grade,source,"
    "provisions,note\n"
    "FR,France,icmec,ICMEC.1,met,2024-06-30,day,B,Desk review of French law 2024,,"
    "Code pénal covers CSAM\n"
    "FR,France,icmec,ICMEC.4,partial,2024-06-30,day,B,Desk review of French law 2024,,"
    "Possession with intent only\n"
    "DE,Germany,icmec,ICMEC.1,met,2024-06-30,day,B,Desk review of German law 2024,,\n"
)


def sign_in(page, username):
    page.context.clear_cookies()
    page.goto("/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()


def test_an_import_is_reviewed_approved_and_shown_in_history(page, screenshot, tmp_path):
    make_user("eddie", groups=["Editors"])
    make_user("rita", groups=["Reviewers"])
    upload = tmp_path / "french-review.csv"
    upload.write_text(CSV, encoding="utf-8")

    bad = tmp_path / "bad.csv"
    bad.write_text(
        CSV.replace("FR,France,icmec,ICMEC.4,partial", "FR,France,icmec,L19.1.c,reserved")
        + "XK,Kosovo,icmec,ICMEC.9,met,31/12/2018,day,B,,,\n",
        encoding="utf-8",
    )

    sign_in(page, "eddie")
    page.goto("/admin/legislation/assessment/")
    page.get_by_role("link", name="Import from a spreadsheet").click()
    page.get_by_label("Spreadsheet (CSV or XLSX)").set_input_files(str(bad))
    page.get_by_role("button", name="Dry run").click()
    errors = page.get_by_role("list", name="Errors").inner_text()
    assert "Row 4, column status: “reserved” is not possible for L19.1.c" in errors
    assert "Row 6, column criterion: unknown criterion code “ICMEC.9”" in errors
    assert page.get_by_role("button", name="Propose these changes for review").count() == 0
    screenshot("import-errors")

    page.get_by_label("Spreadsheet (CSV or XLSX)").set_input_files(str(upload))
    page.get_by_role("button", name="Dry run").click()
    preview = page.locator("table.import-preview").inner_text()
    assert "3 rows: 3 new, 0 changed, 0 unchanged, 0 with errors" in page.content()
    assert "? not assessed" in preview and "◐ partial" in preview
    screenshot("import-preview")

    page.get_by_label("Reason for these changes").fill("Desk review of French and German law")
    page.get_by_label("Kind of change").select_option("new_evidence")
    page.get_by_role("button", name="Propose these changes for review").click()
    assert "Proposed 3 changes" in page.locator(".messagelist").inner_text()
    france = Country.objects.get(iso2="FR")
    assert cell(france, "ICMEC.1").status == Status.NOT_ASSESSED

    sign_in(page, "rita")
    page.goto("/admin/legislation/changeproposal/")
    assert "eddie" in page.locator("#result_list").inner_text()
    screenshot("review-queue")
    page.locator("#action-toggle").check()
    page.locator("select[name=action]").select_option("approve_selected")
    page.get_by_role("button", name="Go").click()
    page.get_by_label("Comment for the author").fill("Checked against Légifrance and BGBl")
    screenshot("review-confirm")
    page.get_by_role("button", name="Yes, approve them").click()
    assert "3 changes approved" in page.locator(".messagelist").inner_text()
    assert cell(france, "ICMEC.1").status == Status.MET
    assert set(ChangeProposal.objects.values_list("state", flat=True)) == {"approved"}

    page.goto("/editorial/history/countries/fr/")
    log = page.locator("table.history").inner_text()
    assert "Desk review of French and German law" in log
    assert "eddie" in log and "rita" in log
    assert "Checked against Légifrance and BGBl" in log
    screenshot("history-country")


def test_a_second_editor_is_told_about_the_first_ones_change(page, screenshot):
    make_user("eddie", groups=["Editors"])
    make_user("erin", groups=["Editors"])
    singapore = Country.objects.get(iso2="SG")
    url = f"/admin/legislation/country/{singapore.pk}/change/"

    sign_in(page, "eddie")
    page.goto(url)
    page.locator("textarea[name='assessments-4-note']").fill("No ISP reporting duty found")
    page.get_by_label("Reason for this change").fill("Read the Films Act again")
    page.get_by_label("Kind of change").select_option("new_evidence")
    page.get_by_role("button", name="Save", exact=True).click()
    assert "Proposed 1 change" in page.locator(".messagelist").inner_text()
    screenshot("country-page-proposed")

    sign_in(page, "erin")
    page.goto(url)
    page.locator("textarea[name='assessments-4-note']").fill("Duty in the 2024 act")
    page.get_by_label("Reason for this change").fill("ISP duty in the 2024 act")
    page.get_by_label("Kind of change").select_option("law_amended")
    page.get_by_role("button", name="Save", exact=True).click()
    # The top of the page names the refused cell; the reason is printed once, beside it.
    refusal = page.locator(".messagelist").inner_text()
    assert "Nothing was saved: ICMEC.5 was refused" in refusal
    assert "already has a change awaiting review" not in refusal
    beside = page.locator(".errorlist").first.inner_text()
    assert "already has a change awaiting review" in beside and "eddie" in beside
    screenshot("country-page-conflict")
    assert ChangeProposal.objects.get().batch.author.username == "eddie"
