"""After a change, the comparison page makes again only what the change touched: matrix rows
kept while countries and criteria stay, table rows and map outlines kept under what they show,
and frames (page and body) with holes for the big pieces. These tests hold that what is kept
never says anything a fresh build would not."""

import dataclasses
import datetime

import pytest
from django.test.signals import template_rendered
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from legislation.matrix import build_summary_matrix
from legislation.models import Assessment, Country, Criterion, stored_values
from legislation.site import cache as datacache
from legislation.site import maps
from legislation.statuses import EvidenceGrade, Status, as_status

from .factories import assess

COUNTRIES = ("KE", "FR", "PH")


def reading(matrix):
    """Everything a matrix says, as plain values."""
    return [
        (
            stored_values(row.country),
            {code: dataclasses.astuple(cell) for code, cell in row.cells.items()},
            {code: rollup for code, rollup in row.articles.items()},
            row.met,
            row.assessed,
            row.total,
            row.sufficient,
            row.read,
        )
        for row in matrix.rows
    ]


WRITE = st.tuples(
    st.sampled_from(COUNTRIES),
    st.integers(min_value=0, max_value=40),  # which leaf criterion of the framework
    st.sampled_from([*Status, None]),  # None: the cell is deleted
    st.dates(min_value=datetime.date(1990, 1, 1), max_value=datetime.date(2030, 12, 31)),
    st.sampled_from(["", *EvidenceGrade.values]),
    # How: a save (signals and history), or a write that bypasses both (an update through a
    # queryset, a bulk create); only the database's triggers see the second kind. "source":
    # the cell cites a source, which is then renamed (a row shows its cells' sources).
    # "country": the country is renamed (a row shows its country).
    st.sampled_from(["save", "bypass", "source", "country"]),
)


def write_cell(country, criterion, status, as_of, grade, how):
    from legislation.models import Source

    cells = Assessment.objects.filter(country=country, criterion=criterion)
    if status is None:
        cells.delete()
    elif how == "source":
        # The cell itself is not written: only the source it cites, if any, without signals.
        for pk in cells.exclude(source=None).values_list("source_id", flat=True):
            Source.objects.filter(pk=pk).update(title=f"Source {pk} as of {as_of}", page=grade)
    elif how == "save":
        source = Source.objects.get_or_create(title=f"Cited by a cell of {country.iso2}")[0]
        Assessment.objects.update_or_create(
            country=country,
            criterion=criterion,
            defaults={"status": status, "as_of": as_of, "evidence_grade": grade, "source": source},
        )
    elif not cells.update(status=status, as_of=as_of, evidence_grade=grade):
        Assessment.objects.bulk_create(
            [
                Assessment(
                    country=country,
                    criterion=criterion,
                    status=status,
                    as_of=as_of,
                    evidence_grade=grade,
                )
            ]
        )


@pytest.mark.usefixtures("reference_data")
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(framework=st.sampled_from(["icmec", "lanzarote"]), writes=st.lists(WRITE, max_size=8))
def test_kept_matrix_rows_always_read_as_a_fresh_matrix(framework, writes):
    countries = list(Country.objects.filter(iso2__in=COUNTRIES).order_by("name"))
    leaves = list(Criterion.objects.filter(framework__code=framework, is_leaf=True))
    kept = {}
    build_summary_matrix(countries, framework, kept_rows=kept)
    for iso2, which, status, as_of, grade, how in writes:
        country = next(c for c in countries if c.iso2 == iso2)
        if how == "country":  # the country itself, read again as after a shared change
            Country.objects.filter(pk=country.pk).update(name=f"{iso2} as of {as_of}")
            countries = list(Country.objects.filter(iso2__in=COUNTRIES).order_by("name"))
        else:
            write_cell(country, leaves[which % len(leaves)], status, as_of, grade, how)
        with_kept = build_summary_matrix(countries, framework, kept_rows=kept)
        fresh = build_summary_matrix(countries, framework)
        assert reading(with_kept) == reading(fresh)


@pytest.mark.usefixtures("reference_data")
def test_a_kept_row_is_made_again_only_when_its_cells_change():
    countries = list(Country.objects.filter(iso2__in=COUNTRIES).order_by("name"))
    kept = {}
    before = {
        r.country.iso2: r for r in build_summary_matrix(countries, "icmec", kept_rows=kept).rows
    }
    assess(Country.objects.get(iso2="KE"), "ICMEC.3", Status.MET)
    after = {
        r.country.iso2: r for r in build_summary_matrix(countries, "icmec", kept_rows=kept).rows
    }
    assert after["FR"] is before["FR"] and after["PH"] is before["PH"]
    assert after["KE"] is not before["KE"]
    assert after["KE"].status("ICMEC.3") == Status.MET


@pytest.mark.usefixtures("reference_data")
def test_a_kept_matrix_reads_the_cells_of_changed_countries_only(django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    countries = list(Country.objects.filter(iso2__in=COUNTRIES).order_by("name"))
    criteria = list(Criterion.objects.select_related("framework", "parent"))
    kept = {}
    build_summary_matrix(countries, "icmec", criteria=criteria, kept_rows=kept)
    with django_assert_num_queries(1):  # the cells versions; no cell
        build_summary_matrix(countries, "icmec", criteria=criteria, kept_rows=kept)
    kenya = Country.objects.get(iso2="KE")
    assess(kenya, "ICMEC.3", Status.MET)
    with CaptureQueriesContext(connection) as queries:
        matrix = build_summary_matrix(countries, "icmec", criteria=criteria, kept_rows=kept)
    cells_query = queries.captured_queries[1]["sql"]
    assert len(queries.captured_queries) == 2
    others = [c.pk for c in countries if c.pk != kenya.pk]
    assert f"IN ({kenya.pk})" in cells_query, cells_query
    assert not any(f"{pk})" in cells_query or f"{pk}," in cells_query for pk in others)
    assert matrix.rows[[c.iso2 for c in countries].index("KE")].status("ICMEC.3") == Status.MET


@pytest.mark.usefixtures("reference_data")
@pytest.mark.parametrize("how", ["save", "queryset update", "bulk create", "delete", "move"])
def test_the_database_changes_a_countrys_cells_version_on_any_write(how):
    """The triggers (migration 0010) on this database: whatever writes a cell, its country's
    version changes in the same transaction; other countries' stay."""
    from django.db import transaction

    from legislation.models import CellsVersion

    kenya, france, philippines = (Country.objects.get(iso2=c) for c in COUNTRIES)
    ids = [kenya.pk, france.pk, philippines.pk]
    criterion = Criterion.objects.get(code="ICMEC.3")
    cell = Assessment.objects.get(country=kenya, criterion=criterion)
    before = CellsVersion.numbers_of(ids, few=10)
    with transaction.atomic():
        if how == "save":
            cell.status = Status.MET
            cell.save()
        elif how == "queryset update":
            Assessment.objects.filter(pk=cell.pk).update(status=Status.PARTIAL)
        elif how == "bulk create":
            cell.delete()
            before = CellsVersion.numbers_of(ids, few=10)
            Assessment.objects.bulk_create([Assessment(country=kenya, criterion=criterion)])
        elif how == "delete":
            Assessment.objects.filter(pk=cell.pk).delete()
        else:  # to a country that has no cell for this criterion
            Assessment.objects.filter(country=france, criterion=criterion).delete()
            before = CellsVersion.numbers_of(ids, few=10)
            Assessment.objects.filter(pk=cell.pk).update(country=france)
        inside = CellsVersion.numbers_of(ids, few=10)
    assert inside[kenya.pk] != before[kenya.pk]
    assert inside[philippines.pk] == before[philippines.pk]
    moved = how == "move"
    assert (inside[france.pk] != before[france.pk]) is moved


@pytest.mark.django_db
def test_a_database_without_the_cells_version_triggers_fails_the_checks():
    from django.core import checks
    from django.db import connection

    from legislation.checks import cells_version_triggers

    assert cells_version_triggers(databases=["default"]) == []
    assert not [e for e in checks.run_checks(databases=["default"]) if e.id == "legislation.E001"]
    dropped = (
        "DROP TRIGGER legislation_source_changed ON legislation_source"
        if connection.vendor == "postgresql"
        else "DROP TRIGGER legislation_source_changed"
    )
    with connection.cursor() as cursor:
        cursor.execute(dropped)  # rolled back with the test
    (error,) = cells_version_triggers(databases=["default"])
    assert error.id == "legislation.E001" and "legislation_source_changed" in error.msg


@pytest.mark.django_db(transaction=True)
def test_a_cells_version_never_comes_back_after_a_rollback(reference_data):
    """A process may keep a row made inside a transaction that then rolls back: the number
    that transaction gave must never be given again."""
    from django.db import transaction

    from legislation.models import CellsVersion

    kenya = Country.objects.get(iso2="KE")
    cell = Assessment.objects.get(country=kenya, criterion__code="ICMEC.3")
    seen = set()
    for status in (Status.MET, Status.PARTIAL, Status.NOT_MET):
        with pytest.raises(RuntimeError), transaction.atomic():
            Assessment.objects.filter(pk=cell.pk).update(status=status)
            seen.add(CellsVersion.numbers_of([kenya.pk], few=1)[kenya.pk])
            raise RuntimeError("rolled back")
    Assessment.objects.filter(pk=cell.pk).update(status=Status.MET)
    assert CellsVersion.numbers_of([kenya.pk], few=1)[kenya.pk] not in seen
    assert len(seen) == 3


@pytest.mark.usefixtures("reference_data")
def test_the_database_changes_the_cells_version_of_countries_citing_a_changed_source():
    from legislation.models import CellsVersion, Source

    kenya, france, philippines = (Country.objects.get(iso2=c) for c in COUNTRIES)
    ids = [kenya.pk, france.pk, philippines.pk]
    source = Source.objects.create(title="Cited by two countries")
    assess(kenya, "ICMEC.3", Status.MET, source=source)
    assess(france, "ICMEC.1", Status.PARTIAL, source=source)
    before = CellsVersion.numbers_of(ids, few=10)
    Source.objects.filter(pk=source.pk).update(page="p. 12")  # no signal, no history
    after = CellsVersion.numbers_of(ids, few=10)
    assert after[kenya.pk] != before[kenya.pk] and after[france.pk] != before[france.pk]
    assert after[philippines.pk] == before[philippines.pk]


@pytest.mark.usefixtures("reference_data")
def test_kept_rows_of_cells_since_changed_are_dropped(monkeypatch):
    import legislation.matrix

    monkeypatch.setattr(legislation.matrix, "KEPT_ROWS_SPARE", 0)
    countries = list(Country.objects.filter(iso2__in=COUNTRIES).order_by("name"))
    kept = {}
    build_summary_matrix(countries, "icmec", kept_rows=kept)
    kenya = Country.objects.get(iso2="KE")
    for status in (Status.MET, Status.PARTIAL, Status.NOT_MET, Status.MET):
        assess(kenya, "ICMEC.3", status)
        matrix = build_summary_matrix(countries, "icmec", kept_rows=kept)
        assert len(kept) <= 2 * len(countries)
    assert set(kept) >= {row.kept_as for row in matrix.rows}


# Frames: kept once, filled on every request.


def test_a_frame_is_rendered_once_and_filled_with_each_requests_pieces():
    calls = []

    def render():
        calls.append(1)
        return f"<main>{datacache.hole('a')} and {datacache.hole('b')}</main>"

    assert datacache.joined(datacache.framed(("frame test", 1), render, {"a": "A", "b": "B"})) == (
        "<main>A and B</main>"
    )
    assert datacache.joined(datacache.framed(("frame test", 1), render, {"a": "x", "b": "y"})) == (
        "<main>x and y</main>"
    )
    assert len(calls) == 1


def test_a_fill_may_be_a_list_of_parts_spliced_in_as_they_are():
    inner = datacache.framed(("frame test", 5), lambda: f"<b>{datacache.hole('c')}</b>", {"c": "C"})
    outer = datacache.framed(
        ("frame test", 6), lambda: f"<main>{datacache.hole('d')}</main>", {"d": inner}
    )
    assert outer == ["<main>", "<b>", "C", "</b>", "</main>"]
    assert datacache.joined(outer) == "<main><b>C</b></main>"
    assert hasattr(datacache.joined(outer), "__html__")  # safe for a template


def test_what_fills_a_hole_is_never_searched_for_holes():
    hole_text = datacache.HOLE.format("b")
    filled = datacache.framed(
        ("frame test", 2),
        lambda: f"{datacache.hole('a')}|{datacache.hole('b')}",
        {"a": hole_text, "b": "B"},
    )
    assert "".join(filled) == f"{hole_text}|B"


def test_a_frame_must_hold_each_hole_once():
    with pytest.raises(ValueError, match="exactly once"):
        datacache.framed(("frame test", 3), lambda: "no hole here", {"a": "A"})
    twice = f"{datacache.hole('a')}{datacache.hole('a')}"
    with pytest.raises(ValueError, match="exactly once"):
        datacache.framed(("frame test", 4), lambda: twice, {"a": "A"})


def test_a_value_made_from_an_object_is_found_by_that_object_only():
    made = []

    def make(text, how):
        made.append(text)
        return text.encode(how)

    kept = datacache.ByIdentity(2)
    first, equal = "Côte d'Ivoire ✔", "".join(["Côte d'Ivoire ", "✔"])
    assert first == equal and first is not equal
    assert kept.get(first, "utf-8", make) == first.encode()
    assert kept.get(first, "utf-8", make) == first.encode()
    assert kept.get(equal, "utf-8", make) == first.encode()
    assert made == [first, equal]  # once each: equal values are not taken for one another
    kept.get("third", "utf-8", make)  # past two entries, the first made goes
    kept.get(first, "utf-8", make)
    assert made == [first, equal, "third", first]


def test_a_frame_encoded_is_the_frame_joined_and_encoded():
    parts = datacache.framed(
        ("frame test", 7), lambda: f"<p>Côte {datacache.hole('x')} ✔</p>", {"x": ["a", "é"]}
    )
    assert datacache.encoded(parts) == "".join(parts).encode()
    assert datacache.encoded(parts) == "<p>Côte aé ✔</p>".encode()


def test_text_a_visitor_sends_can_never_open_a_hole():
    assert "<" not in escape(datacache.HOLE.format("body"))


# The comparison page after a change.


@pytest.fixture
def templates_rendered():
    names = []

    def record(sender, template, context, **kwargs):
        names.append(template.name)

    template_rendered.connect(record)
    yield names
    template_rendered.disconnect(record)


@pytest.mark.usefixtures("reference_data")
def test_a_cell_change_renders_neither_the_form_nor_the_text_around_the_table(
    client, templates_rendered
):
    kenya = Country.objects.get(iso2="KE")
    assess(kenya, "ICMEC.3", Status.MET)
    client.get("/compare/")
    templates_rendered.clear()
    drawn = maps._drawn_country.cache_info().misses
    assess(kenya, "ICMEC.3", Status.NOT_MET)  # still assessed: the counts stay
    body = client.get("/compare/").content.decode()
    assert "legislation/site/compare.html" not in templates_rendered
    assert "legislation/site/_compare_body.html" not in templates_rendered
    row = body.split('<span class="code">KE</span>', 1)[1].split("</tr>", 1)[0]
    assert "✘</span> not met" in row
    assert "<title>Kenya: partly assessed, met 0 of 5" in body
    assert maps._drawn_country.cache_info().misses - drawn == 1  # Kenya's outline alone
    assert body.count("<form") == 1 and body.count('id="counts"') == 1


def test_as_status_reads_stored_values_and_refuses_others():
    assert as_status("met") is Status.MET
    assert as_status(Status.PARTIAL) is Status.PARTIAL
    for wrong in ("Met", "", None, 3):
        with pytest.raises(ValueError):
            as_status(wrong)


def test_a_few_missing_pieces_are_rendered_here_and_many_fetched_in_one_round_trip(monkeypatch):
    from django.core.cache import cache

    round_trips, rendered = [], []
    get_many, set_many = cache.get_many, cache.set_many
    monkeypatch.setattr(cache, "get_many", lambda keys: round_trips.append("get") or get_many(keys))
    monkeypatch.setattr(
        cache,
        "set_many",
        lambda values, timeout: round_trips.append("set") or set_many(values, timeout),
    )

    def render(index):
        rendered.append(index)
        return f"<tr><td>{index}</td></tr>"

    inputs = [("piece test", n) for n in range(10)]
    assert datacache.pieces(inputs, render, shared_from=8)[3] == "<tr><td>3</td></tr>"
    assert (len(rendered), round_trips) == (10, ["get", "set"])

    datacache.local.clear()  # a worker that has none of them: one round trip brings all ten
    rendered.clear(), round_trips.clear()
    datacache.pieces(inputs, render, shared_from=8)
    assert (rendered, round_trips) == ([], ["get"])

    rendered.clear(), round_trips.clear()  # one new piece among kept ones: rendered here
    assert datacache.pieces([*inputs, ("piece test", 99)], render, shared_from=8)[10] == (
        "<tr><td>10</td></tr>"
    )
    assert (rendered, round_trips) == ([10], [])


ADDRESSES = (
    "/compare/",
    "/compare/?framework=lanzarote",
    "/compare/?framework=lanzarote&detail=1&sort=-met",
    "/compare/?region=Europe&sort=-c_ICMEC_3",
    "/compare/?map=ICMEC.2&min_met=1",
    "/compare/?q=no-such-country-anywhere",
)
CELL_WRITE = st.tuples(
    st.sampled_from(("KE", "FR", "PH", "DE")),
    st.sampled_from(("ICMEC.1", "ICMEC.3", "L20.1.a", "L20.1.b", "L21.1.a")),
    st.sampled_from(list(Status)),
    st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2025, 12, 31)),
)


@pytest.mark.usefixtures("reference_data")
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(writes=st.lists(CELL_WRITE, min_size=1, max_size=4), address=st.sampled_from(ADDRESSES))
def test_a_page_put_together_from_kept_parts_is_the_page_made_from_nothing(client, writes, address):
    from django.core.cache import cache

    client.get(address)  # what this process keeps from it
    for iso2, code, status, as_of in writes:
        criterion = Criterion.objects.get(code=code)
        Assessment.objects.update_or_create(
            country=Country.objects.get(iso2=iso2),
            criterion=criterion,
            defaults={"status": status, "as_of": as_of, "evidence_grade": "B"},
        )
    kept = client.get(address).content
    cache.clear()
    datacache.forget()
    assert kept == client.get(address).content
