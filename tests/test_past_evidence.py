"""A page shown as published on a past day shows the evidence as it was worded that day: the
source's title, the provision and its instrument, and the treaty record, read from their history
(`history.records_at`), not today's rows."""

import datetime
import io
from unittest import mock

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from legislation import history
from legislation.editorial import evidence
from legislation.models import (
    Country,
    Criterion,
    Framework,
    Provision,
    Source,
    TreatyParticipation,
    TreatyReservation,
)

from . import test_evidence_review as evidence_review
from .test_evidence_review import NEW_TITLE, OLD_TITLE, cited, public_text  # noqa: F401
from .test_published_on import TOMORROW, YESTERDAY

pytestmark = pytest.mark.usefixtures("reference_data")

NEW_REFERENCE = "Sec. 4(a) as renumbered"
NEW_ACT = "Republic Act No. 99999 (reworded for this test)"

# The pages and downloads that name a cell's source, and its provisions' instrument: those the
# evidence review checks, and the PDF and XLSX (read here too).
SOURCE_SHOWN_ON = [*evidence_review.SOURCE_SHOWN_ON, "/countries/ph/gaps.pdf"]
INSTRUMENT_SHOWN_ON = [
    *evidence_review.INSTRUMENT_SHOWN_ON,
    "/compare/?q=Philippines&_export=xlsx&shape=long",
]


def text_of(client, url):
    if "xlsx" in url:
        response = client.get(url)
        assert response.status_code == 200, url
        book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
        return " ".join(
            str(v) for ws in book for row in ws.iter_rows(values_only=True) for v in row
        )
    if ".pdf" in url:
        response = client.get(url)
        assert response.status_code == 200, url
        reader = PdfReader(io.BytesIO(response.content))
        return " ".join(page.extract_text() for page in reader.pages).replace("\n", " ")
    return public_text(client, url)


def approve_edit(editor, reviewer, record, **values):
    """An evidence change proposed and approved by two people (at the mocked "now")."""
    seen = evidence.latest_entry(record).history_id
    submitted = evidence.submit(editor, record, values, "Re-read the Act", seen)
    assert submitted.proposal is not None  # cited, so it went through review
    evidence.approve(reviewer, [submitted.proposal.pk])


@pytest.fixture
def reworded_today(reference_data, cited, editor, reviewer):  # noqa: F811 (the fixture imported above)
    """PH ICMEC.1 cites a source, provision and instrument recorded "yesterday"; "today" their
    wording changes through review."""
    provision = Provision.objects.get(reference="Sec. 4")
    with mock.patch("django.utils.timezone.now", lambda: TOMORROW):
        approve_edit(editor, reviewer, cited, title=NEW_TITLE)
        approve_edit(editor, reviewer, provision, reference=NEW_REFERENCE)
        approve_edit(editor, reviewer, provision.instrument, title=NEW_ACT)
    with mock.patch("django.utils.timezone.now", lambda: TOMORROW + datetime.timedelta(hours=1)):
        yield


def with_date(url, day):
    return f"{url}{'&' if '?' in url else '?'}as_of={day}"


@pytest.mark.usefixtures("reworded_today")
@pytest.mark.parametrize("url", SOURCE_SHOWN_ON)
def test_a_past_page_shows_the_source_as_worded_then(client, url):
    past = text_of(client, with_date(url, YESTERDAY))
    assert OLD_TITLE in past and NEW_TITLE not in past
    today = text_of(client, url)
    assert NEW_TITLE in today and OLD_TITLE not in today


@pytest.mark.usefixtures("reworded_today")
@pytest.mark.parametrize("url", INSTRUMENT_SHOWN_ON)
def test_a_past_page_shows_the_provisions_instrument_as_named_then(client, url):
    past = text_of(client, with_date(url, YESTERDAY))
    assert "Anti-Child Pornography Act" in past and NEW_ACT not in past
    assert NEW_ACT in text_of(client, url)


@pytest.mark.usefixtures("reworded_today")
def test_the_profile_shows_the_provisions_reference_as_it_was(client):
    past = text_of(client, f"/countries/ph/?as_of={YESTERDAY}")
    today = text_of(client, "/countries/ph/")
    assert "Sec. 4" in past and NEW_REFERENCE not in past
    assert NEW_REFERENCE in today


@pytest.mark.usefixtures("reworded_today")
def test_records_at_reads_each_record_as_it_stood(cited):  # noqa: F811
    provision = Provision.objects.get(reference=NEW_REFERENCE)
    yesterday = history.end_of_day(datetime.date.fromisoformat(YESTERDAY))
    assert history.records_at(Source, yesterday, {cited.pk})[cited.pk].title == OLD_TITLE
    assert history.records_at(Source, None, {cited.pk})[cited.pk].title == NEW_TITLE
    past = history.provisions_at(yesterday, {provision.pk})[provision.pk]
    assert (past.reference, past.instrument.title) == ("Sec. 4", "Anti-Child Pornography Act")
    before = history.end_of_day(datetime.date(2000, 1, 1))
    assert history.records_at(Source, before, {cited.pk}) == {}  # not yet recorded then


def test_a_record_never_recorded_in_the_history_reads_as_today(cited):  # noqa: F811
    Source.history.filter(id=cited.pk).delete()  # e.g. restored from a dump without history
    yesterday = history.end_of_day(datetime.date.fromisoformat(YESTERDAY))
    assert history.records_at(Source, yesterday, {cited.pk})[cited.pk].title == OLD_TITLE


@pytest.fixture
def treaty_today(reference_data):
    """PH accedes to the Lanzarote Convention "today", with a reservation; the day before it
    had no treaty record at all."""
    lanzarote = Framework.objects.get(code=Framework.LANZAROTE)
    with mock.patch("django.utils.timezone.now", lambda: TOMORROW):
        participation = TreatyParticipation.objects.create(
            country=Country.objects.get(iso2="PH"),
            treaty=lanzarote,
            action=TreatyParticipation.Action.ACCESSION,
            ratified=datetime.date(2026, 1, 5),
            source="Treaty Office notification JJ9999C",
        )
        TreatyReservation.objects.create(
            participation=participation,
            kind=TreatyReservation.Kind.RESERVATION,
            article="24",
            text="Reserves the right not to apply Article 24 paragraph 3 qqzz",
        )
    with mock.patch("django.utils.timezone.now", lambda: TOMORROW + datetime.timedelta(hours=1)):
        yield participation


@pytest.mark.usefixtures("treaty_today")
@pytest.mark.parametrize("url", ["/countries/ph/", "/countries/ph/gaps/"])
def test_a_treaty_record_made_today_is_absent_from_the_day_before(client, url):
    past = text_of(client, with_date(url, YESTERDAY))
    today = text_of(client, url)
    for fact in ["JJ9999C", "qqzz"]:
        assert fact in today
        assert fact not in past


def test_a_treaty_record_edited_today_shows_its_old_dates_the_day_before(client):
    france = TreatyParticipation.objects.select_related("country").get(
        country__iso2="FR", treaty__code=Framework.LANZAROTE
    )
    with mock.patch("django.utils.timezone.now", lambda: TOMORROW):
        france.in_force = datetime.date(1999, 2, 3)
        france.source = "A corrected record zzqq"
        france.save()
    with mock.patch("django.utils.timezone.now", lambda: TOMORROW + datetime.timedelta(hours=1)):
        past = text_of(client, f"/countries/fr/?as_of={YESTERDAY}")
        today = text_of(client, "/countries/fr/")
    assert "3 February 1999" in today
    assert "3 February 1999" not in past
    assert "Lanzarote" in past and "Party" in past


def test_a_reservation_added_today_is_not_beside_the_past_cells(client):
    france = TreatyParticipation.objects.get(country__iso2="FR", treaty__code=Framework.LANZAROTE)
    criterion = Criterion.objects.get(code="L18.1.a")
    with mock.patch("django.utils.timezone.now", lambda: TOMORROW):
        reservation = TreatyReservation.objects.create(
            participation=france,
            kind=TreatyReservation.Kind.RESERVATION,
            article="18",
            text="A new reservation xxqq",
        )
        reservation.criteria.add(criterion)
    with mock.patch("django.utils.timezone.now", lambda: TOMORROW + datetime.timedelta(hours=1)):
        past = text_of(client, f"/compare/countries/?c=fr&c=de&as_of={YESTERDAY}")
        today = text_of(client, "/compare/countries/?c=fr&c=de")
    assert "A new reservation xxqq" in today
    assert "A new reservation xxqq" not in past


@pytest.mark.usefixtures("treaty_today")
def test_the_home_page_counts_the_parties_as_published_the_day_before(client):
    past = client.get(f"/?as_of={YESTERDAY}").context["coverage"]["lanzarote_parties"]
    today = client.get("/").context["coverage"]["lanzarote_parties"]
    assert today == past + 1


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200, url
    return len(captured.captured_queries)


def test_the_past_treaty_record_is_read_in_a_constant_number_of_queries(client):
    moment = datetime.date.today().isoformat()
    france = TreatyParticipation.objects.get(country__iso2="FR", treaty__code=Framework.LANZAROTE)
    germany = TreatyParticipation.objects.get(country__iso2="DE", treaty__code=Framework.LANZAROTE)
    criteria = list(Criterion.objects.filter(framework__code=Framework.LANZAROTE, is_leaf=True))

    def reserve(count):
        for n in range(count):
            reservation = TreatyReservation.objects.create(
                participation=france,
                kind=TreatyReservation.Kind.RESERVATION,
                article=str(20 + n),
                text=f"Reservation {n}",
            )
            reservation.criteria.add(*criteria[n : n + 2])
            TreatyReservation.objects.create(
                participation=germany,
                kind=TreatyReservation.Kind.OBJECTION,
                objects_to=reservation,
                text=f"Objection {n}",
            )

    pages = [
        f"/countries/fr/?as_of={moment}",
        f"/countries/de/?as_of={moment}",
        f"/countries/fr/gaps/?as_of={moment}",
        f"/compare/countries/?c=fr&c=de&as_of={moment}",
        f"/countries/?as_of={moment}",
        f"/?as_of={moment}",
    ]
    reserve(1)
    few = [queries(client, page) for page in pages]
    reserve(4)
    assert [queries(client, page) for page in pages] == few
    germany_then = client.get(pages[1]).content.decode()
    assert "Objection 3" in germany_then and "France’s reservation" in germany_then.replace(
        "&#x27;", "’"
    ).replace("'", "’")


def test_a_change_log_names_a_source_deleted_since_by_its_last_wording(
    client,
    cited,  # noqa: F811
    editor,
    reviewer,
):
    """A cell moves to another source, and the first one, cited by nothing now, is deleted:
    the change log, today's and a past day's, still names it as it was last worded."""
    from legislation.editorial import workflow

    from .factories import cell, make_source

    with mock.patch("django.utils.timezone.now", lambda: TOMORROW):
        target = cell(Country.objects.get(iso2="PH"), "ICMEC.1")
        values = {
            "status": target.status,
            "as_of": target.as_of,
            "as_of_precision": target.as_of_precision,
            "evidence_grade": target.evidence_grade,
            "note": target.note,
            "source": make_source(title="A later reading qqxx"),
        }
        change = workflow.Change(target, target.version, values, list(target.provisions.all()))
        result = workflow.propose(editor, "Newer reading", [change])
        workflow.approve(reviewer, [p.pk for p in result.proposals])
        Source.objects.filter(pk=cited.pk).delete()
    with mock.patch("django.utils.timezone.now", lambda: TOMORROW + datetime.timedelta(hours=1)):
        for url in ["/countries/ph/", f"/countries/ph/?as_of={TOMORROW.date()}"]:
            body = text_of(client, url)
            assert OLD_TITLE in body and "A later reading qqxx" in body, url
        assert history.changes_between(country__iso2="PH")[0].describe()


# The API reads the same past: a cell's source and provisions, and the treaty records.


def api_results(client, path, **params):
    response = client.get(path, params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.mark.usefixtures("reworded_today")
def test_the_api_names_a_cells_evidence_as_worded_on_the_day_asked(client):
    query = {"country": "ph", "criterion": "ICMEC.1"}
    [past] = api_results(client, "/api/v1/cells/", as_of=YESTERDAY, **query)
    [today] = api_results(client, "/api/v1/cells/", **query)
    assert past["source"]["title"] == OLD_TITLE and today["source"]["title"] == NEW_TITLE
    [provision_then] = past["provisions"]
    assert provision_then["reference"] == "Sec. 4"
    assert provision_then["instrument"] == "Anti-Child Pornography Act"
    [provision_now] = today["provisions"]
    assert (provision_now["reference"], provision_now["instrument"]) == (NEW_REFERENCE, NEW_ACT)


@pytest.mark.usefixtures("treaty_today")
def test_the_api_leaves_out_a_treaty_record_made_after_the_day_asked(client):
    path = "/api/v1/treaty-participation/"
    past = api_results(client, path, country="ph", as_of=YESTERDAY)
    [today] = api_results(client, path, country="ph")
    assert past == []
    assert today["source"].endswith("JJ9999C")
    assert "qqzz" in today["reservations"][0]["text"]


def test_the_api_shows_a_treaty_records_old_dates_on_the_day_before(client):
    france = TreatyParticipation.objects.get(country__iso2="FR", treaty__code=Framework.LANZAROTE)
    was = france.in_force
    with mock.patch("django.utils.timezone.now", lambda: TOMORROW):
        france.in_force = datetime.date(1999, 2, 3)
        france.save()
    path = "/api/v1/treaty-participation/"
    with mock.patch("django.utils.timezone.now", lambda: TOMORROW + datetime.timedelta(hours=1)):
        [past] = api_results(client, path, country="fr", as_of=YESTERDAY)
        [today] = api_results(client, path, country="fr")
    assert today["in_force"] == "1999-02-03"
    assert past["in_force"] == (was.isoformat() if was else None)


# Laws on record (provisions no assessed cell cites) as they stood on the day asked.


def laws_section(client, url):
    body = text_of(client, url)
    start = body.index("Laws on record (not yet assessed against the criteria)")
    return body[start : body.index('<h2 id="changes">', start)]


def test_a_past_profile_lists_the_laws_on_record_then(client):
    past = laws_section(client, f"/countries/us/?as_of={YESTERDAY}")
    assert "§ 2256" in past and "§ 2258A" in past
    before_any = laws_section(client, "/countries/us/?as_of=2000-01-01")
    assert "§ 2256" not in before_any


def test_a_law_recorded_today_is_absent_from_the_day_before(client):
    instrument = Provision.objects.get(reference__startswith="§ 2256").instrument
    with mock.patch("django.utils.timezone.now", lambda: TOMORROW):
        Provision.objects.create(instrument=instrument, reference="§ 2252 qqxx")
    with mock.patch("django.utils.timezone.now", lambda: TOMORROW + datetime.timedelta(hours=1)):
        assert "§ 2252 qqxx" in laws_section(client, "/countries/us/")
        assert "§ 2252 qqxx" not in laws_section(client, f"/countries/us/?as_of={YESTERDAY}")


def test_a_law_cited_by_a_cell_assessed_since_is_listed_the_day_before(client, editor, reviewer):
    from legislation.editorial import workflow
    from legislation.statuses import Status

    from .factories import cell, make_source

    provision = Provision.objects.get(reference__startswith="§ 2256")
    with mock.patch("django.utils.timezone.now", lambda: TOMORROW):
        target = cell(provision.instrument.country, "ICMEC.2")
        values = {
            "status": Status.MET,
            "as_of": datetime.date(2024, 1, 1),
            "as_of_precision": "day",
            "evidence_grade": "B",
            "note": "",
            "source": make_source(title="Reading of 18 U.S.C. 2256"),
        }
        change = workflow.Change(target, target.version, values, [provision])
        result = workflow.propose(editor, "Read § 2256", [change])
        workflow.approve(reviewer, [p.pk for p in result.proposals])
    with mock.patch("django.utils.timezone.now", lambda: TOMORROW + datetime.timedelta(hours=1)):
        today = laws_section(client, "/countries/us/")
        past = laws_section(client, f"/countries/us/?as_of={YESTERDAY}")
    assert "§ 2256" in past  # on record, not yet assessed, that day
    assert "§ 2256" not in today  # relied on by an assessed cell since
