import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from legislation import signals
from legislation.models import Country
from legislation.site import tables
from legislation.statuses import Status

from .factories import assess, make_instrument, make_provision, make_source, make_user
from .scenarios import build_synthetic, rows_of

pytestmark = pytest.mark.usefixtures("reference_data")


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


def test_it_lists_every_country_by_name_with_the_five_icmec_columns(client):
    response = client.get("/compare/")
    assert response.status_code == 200
    codes = rows_of(response)
    assert len(codes) == 196
    names = list(Country.objects.order_by("name").values_list("iso2", flat=True))
    assert codes == names  # alphabetical: no ranking by default
    body = response.content.decode()
    for code in ("ICMEC.1", "ICMEC.5", "Sufficient (at least 4 of 5)", "Assessed"):
        assert code in body


def test_it_shows_each_cell_as_symbol_and_word_with_its_source(client):
    singapore = Country.objects.get(iso2="SG")
    assess(singapore, "ICMEC.4", Status.MET, source=make_source(title="Penal Code review"))
    body = client.get("/compare/?q=Singapore").content.decode()
    assert "✔</span> met" in body
    assert "✘</span> not met" in body  # ICMEC.2, the seed cell
    assert "source: Penal Code review" in body and "evidence grade B" in body
    # Not assessed looks different from not met: its own class, never the gap's.
    assert "status-not-assessed" in body


def test_it_counts_met_sufficient_and_assessed(client):
    france = Country.objects.get(iso2="FR")
    for code in ("ICMEC.1", "ICMEC.2", "ICMEC.3", "ICMEC.4"):
        assess(france, code, Status.MET)
    body = client.get("/compare/?q=France").content.decode()
    assert "met 4 of 5" in body and "assessed 4 of 5" in body
    assert ">yes<" in body


def test_it_searches_by_name_or_code(client):
    assert rows_of(client.get("/compare/?q=fra")) == ["FR"]
    assert rows_of(client.get("/compare/?q=DEU")) == ["DE"]


def test_it_filters_by_region_and_subregion(client):
    europe = rows_of(client.get("/compare/?region=Europe"))
    assert set(europe) == set(
        Country.objects.filter(region="Europe").values_list("iso2", flat=True)
    )
    west = rows_of(client.get("/compare/?subregion=Western+Europe"))
    assert "FR" in west and "PL" not in west


@pytest.mark.parametrize("group", ["coe", "eu", "lanzarote", "global-north", "global-south"])
def test_it_filters_by_group(client, group):
    expected = set(Country.objects.in_group(group).values_list("iso2", flat=True))
    assert set(rows_of(client.get(f"/compare/?group={group}"))) == expected


def test_it_filters_by_a_criterion_status(client):
    codes = rows_of(client.get("/compare/?where=ICMEC.2:not_met"))
    # The eight WePROTECT 2019 seeds and three more the ASEAN review (2021) names: LA, MY, MM.
    assert sorted(codes) == ["BA", "CN", "ID", "LA", "LB", "MM", "MY", "PE", "SA", "SG", "VN"]


def test_it_combines_criterion_statuses(client):
    china = Country.objects.get(iso2="CN")
    assess(china, "ICMEC.4", Status.MET)
    codes = rows_of(client.get("/compare/?where=ICMEC.2:not_met&where=ICMEC.4:met"))
    assert codes == ["CN"]


def test_it_treats_not_assessed_as_unknown_not_as_a_gap(client):
    codes = rows_of(client.get("/compare/?where=ICMEC.2:not_assessed"))
    assert len(codes) == 196 - 11 and "CN" not in codes


def test_it_filters_by_minimum_met(client):
    countries, truth = build_synthetic(12, seed=3)
    codes = rows_of(client.get("/compare/?region=Synthregion&min_met=2"))
    expected = [
        c.iso2
        for c in sorted(countries, key=lambda c: c.name)
        if sum(truth[(c.iso2, f"ICMEC.{n}")] == Status.MET for n in range(1, 6)) >= 2
    ]
    assert codes == expected and 0 < len(codes) < 12


def test_it_filters_fully_assessed_only(client):
    build_synthetic(3, seed=4)
    partial = Country.objects.get(iso2="FR")
    assess(partial, "ICMEC.1", Status.MET)
    codes = rows_of(client.get("/compare/?fully_assessed=1"))
    assert len(codes) == 3 and "FR" not in codes


def test_it_rolls_lanzarote_up_to_articles_and_explains_how(client):
    france = Country.objects.get(iso2="FR")
    assess(france, "L20.1.a", Status.MET)
    body = client.get("/compare/?framework=lanzarote&q=France").content.decode()
    for article in range(18, 25):
        assert f"Art.{article}" in body
    assert "L20.1.a" not in body.split("<table", 1)[1].split("</thead>")[0]
    assert "How an article's status is worked out" in body
    # Art. 20: one sub-paragraph met, six unknown: not "partial", and how much is known shows.
    row = body.split('id="comparison"', 1)[1].split("<tbody>", 1)[1].split("</tr>", 1)[0]
    assert '<small class="rollup-detail">1 of 7 assessed</small>' in row
    assert "partial" not in row


def test_it_shows_all_sub_paragraphs_in_detail(client):
    body = client.get("/compare/?framework=lanzarote&detail=1&q=France").content.decode()
    head = body.split('id="comparison"', 1)[1].split("</thead>")[0]
    assert head.count('scope="col"') == 2 + 21 + 2  # country, region, 21 leaves, met, assessed


def test_it_sorts_a_status_column_by_status_order_then_name(client):
    countries, truth = build_synthetic(15, seed=5)
    codes = rows_of(client.get("/compare/?region=Synthregion&sort=c_ICMEC_3"))
    order = {Status.MET: 0, Status.PARTIAL: 1, Status.RESERVED: 2, Status.NOT_MET: 3}
    expected = sorted(countries, key=lambda c: (order[truth[(c.iso2, "ICMEC.3")]], c.name))
    assert codes == [c.iso2 for c in expected]


def test_it_sorts_by_the_met_count(client):
    countries, truth = build_synthetic(15, seed=6)
    codes = rows_of(client.get("/compare/?region=Synthregion&sort=-met"))

    def met(c):
        return sum(truth[(c.iso2, f"ICMEC.{n}")] == Status.MET for n in range(1, 6))

    by_code = {c.iso2: met(c) for c in countries}
    assert [by_code[code] for code in codes] == sorted(by_code.values(), reverse=True)


@pytest.mark.parametrize(
    "query",
    [
        "?framework=x&min_met=abc&region=<script>alert(1)</script>",
        "?min_met=99",
        "?where=ICMEC.9:met",
        "?framework=icmec&where=L20.1.a:met",
        "?group=<b>nope</b>",
        "?map=L20.1.a",
        "?min_met=2.5",
        "?min_met=-1",
    ],
)
def test_it_answers_nonsense_with_a_message_never_a_500(client, query):
    response = client.get("/compare/" + query)
    assert response.status_code == 400
    body = response.content.decode()
    assert "could not be used" in body
    assert "<script>alert" not in body and "<b>nope" not in body


def test_it_ignores_an_unknown_sort_or_page(client):
    # ?page=abc is refused with a 400 before any view (tests/test_input_guard.py).
    for query in ("?sort=<script>", "?page=999", "?_export=exe"):
        response = client.get("/compare/" + query)
        assert response.status_code in (200, 404)
        assert b"<script>" not in response.content.split(b"</header>", 1)[1]


def test_it_links_every_country_to_its_profile(client):
    body = client.get("/compare/?q=Kenya").content.decode()
    assert 'href="/countries/ke/"' in body


def test_it_draws_the_map_of_the_filtered_set(client):
    body = client.get("/compare/?where=ICMEC.2:not_met&map=ICMEC.2").content.decode()
    assert "ICMEC.2 Definition of CSAM: status per country" in body
    assert "<title>Singapore: not met</title>" in body
    assert "✘ not met (11)" in body


def queries_for(client, url):
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "query",
    [
        "",
        "&framework=lanzarote&detail=1",
        "&where=ICMEC.1:met&min_met=1&fully_assessed=1&sort=-c_ICMEC_2&map=ICMEC.4",
        "&group=global-south",
    ],
)
def test_it_runs_the_same_number_of_queries_for_20_and_200_countries(client, query):
    build_synthetic(20, region="Small", seed=7)
    build_synthetic(200, region="Large", seed=8)
    small = queries_for(client, "/compare/?region=Small" + query)
    large = queries_for(client, "/compare/?region=Large" + query)
    assert small == large
    assert small <= 10


def test_it_reuses_the_rendered_table_until_the_data_changes(client):
    france = Country.objects.get(iso2="FR")
    client.get("/compare/?q=France")
    with CaptureQueriesContext(connection) as ctx:
        client.get("/compare/?q=France")
    cached_queries = len(ctx.captured_queries)
    assert cached_queries <= 4  # choices (3) and the data version (1): no matrix
    assess(france, "ICMEC.5", Status.MET, source=make_source(title="Fresh source"))
    assert "Fresh source" in client.get("/compare/?q=France").content.decode()


def test_it_sees_a_change_saved_by_another_process(client):
    # Another process (an import command, a second worker) saves cells: its signals never
    # reach this process's cache, so the database fingerprint must notice the change.
    client.get("/compare/?q=France")
    france = Country.objects.get(iso2="FR")
    signals.disconnect_public_receivers()
    try:
        assess(france, "ICMEC.1", Status.MET)
    finally:
        signals.connect()
    body = client.get("/compare/?q=France").content.decode()
    assert "met 1 of 5" in body


def test_it_shows_provisions_only_in_the_long_export_not_the_page(client):
    france = Country.objects.get(iso2="FR")
    cell = assess(france, "ICMEC.4", Status.MET)
    cell.provisions.add(
        make_provision(make_instrument(france, title="Code pénal"), reference="227-23")
    )
    assert "227-23" not in client.get("/compare/?q=France").content.decode()
    assert "227-23" in client.get("/compare/?q=France&_export=csv&shape=long").content.decode()


def test_the_summary_matrix_reads_the_same_statuses_as_the_full_one():
    from legislation.matrix import build_matrix, build_summary_matrix

    france = Country.objects.get(iso2="FR")
    assess(france, "L20.1.f", Status.RESERVED, source=make_source(title="T", page="p. 4"))
    countries = list(Country.objects.filter(region="Europe"))
    full = build_matrix(countries, "lanzarote", with_provisions=False)
    summary = build_summary_matrix(countries, "lanzarote")
    codes = [c.code for c in full.leaves + full.articles]
    for a, b in zip(full.rows, summary.rows, strict=True):
        assert [a.status(c) for c in codes] == [b.status(c) for c in codes]
    cell = summary.by_iso2()["FR"].cells["L20.1.f"]
    assert cell.source == "T, p. 4" and cell.evidence_grade == "B"


def test_it_colours_only_fully_assessed_countries_by_their_met_count(client):
    france = Country.objects.get(iso2="FR")
    for n in range(1, 6):
        assess(france, f"ICMEC.{n}", Status.MET if n < 5 else Status.NOT_MET)
    body = client.get("/compare/?region=Europe").content.decode()
    assert "<title>France: met 4 of 5</title>" in body
    assert "met 4 of 5, fully assessed (1)" in body
    assert "<title>Bosnia and Herzegovina: partly assessed, met 0 of 5" in body


def test_it_serves_signed_in_users_a_fresh_page_around_the_cached_table(client):
    from .factories import make_user

    client.force_login(make_user())
    france = Country.objects.get(iso2="FR")
    assert "met 0 of 5" in client.get("/compare/?q=France").content.decode()
    assess(france, "ICMEC.3", Status.MET)
    body = client.get("/compare/?q=France").content.decode()
    assert "met 1 of 5" in body


def rows_rendered(monkeypatch):
    """The countries whose table row is rendered from here on (not read from the cache)."""
    rendered = []
    original = tables.CountryColumn.cell_html

    def counting(column, record):
        rendered.append(record["iso2"])
        return original(column, record)

    monkeypatch.setattr(tables.CountryColumn, "cell_html", counting)
    return rendered


def row_of(body, iso2):
    return body.split(f'<span class="code">{iso2}</span>', 1)[1].split("</tr>", 1)[0]


def test_after_a_change_only_the_changed_countrys_row_is_rendered_again(client, monkeypatch):
    client.get("/compare/")
    rendered = rows_rendered(monkeypatch)
    kenya = Country.objects.get(iso2="KE")
    assess(kenya, "ICMEC.3", Status.MET, source=make_source(title="Kenya reading"))
    body = client.get("/compare/").content.decode()
    assert rendered == ["KE"]
    assert "✔</span> met" in row_of(body, "KE")
    assert "source: Kenya reading" in row_of(body, "KE")


def test_a_save_that_changes_nothing_shown_renders_no_row_again(client, monkeypatch):
    first = client.get("/compare/")
    rendered = rows_rendered(monkeypatch)
    Country.objects.get(iso2="ZA").save()
    again = client.get("/compare/")
    assert again["ETag"] != first["ETag"]  # a new data version …
    assert rendered == []  # … and nothing it shows changed
    assert again.content == first.content


def test_a_renamed_source_shows_at_once_in_the_cells_that_cite_it(client):
    source = make_source(title="First reading of the code")
    assess(Country.objects.get(iso2="KE"), "ICMEC.3", Status.MET, source=source)
    assert "source: First reading of the code" in client.get("/compare/").content.decode()
    source.title = "Second reading of the code"
    source.save()
    body = client.get("/compare/").content.decode()
    assert "source: Second reading of the code" in row_of(body, "KE")
    assert "First reading of the code" not in body


def test_a_renamed_country_shows_at_once_in_its_row_and_on_the_map(client):
    client.get("/compare/")
    kenya = Country.objects.get(iso2="KE")
    kenya.name = "Republic of Kenya (renamed)"
    kenya.save()
    body = client.get("/compare/").content.decode()
    assert "Republic of Kenya (renamed)</a>" in body
    assert "<title>Republic of Kenya (renamed): not assessed</title>" in body


def test_signed_in_staff_see_a_change_at_once(client):
    client.force_login(make_user("staff-reader"))
    client.get("/compare/")
    kenya = Country.objects.get(iso2="KE")
    assess(kenya, "ICMEC.3", Status.NOT_MET, source=make_source(title="Staff-visible reading"))
    body = client.get("/compare/").content.decode()
    assert "✘</span> not met" in row_of(body, "KE")
    assert "source: Staff-visible reading" in body


# After a change to cells only, a page reads the cells again but not what no cell changes
# (the filter's choices, the published ratings): `datacache.unchanged_by_cells`.


def queries_after_a_cell_change(client, url, country):
    source = make_source(title=f"Read for {url}")  # a new source is not a cell: before
    client.get(url)  # this process has read the choices and ratings at this shared version
    assess(country, "ICMEC.3", Status.MET, source=source)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    assert f"source: Read for {url}" in response.content.decode()
    return len(ctx.captured_queries)


def test_after_a_cell_change_only_the_versions_and_the_changed_cells_are_read(client):
    # The data version, the countries' cells versions, the cells of the one that changed.
    assert queries_after_a_cell_change(client, "/compare/", Country.objects.get(iso2="KE")) == 3


def test_a_source_edit_shows_at_once_and_reads_no_more_than_a_cell_change(client):
    """An approved change to the evidence (a source renamed) retires the rows that cite it, as
    a cell change does (the database raises their countries' cells versions), and keeps the
    filter form, countries and ratings."""
    source = make_source(title="Before the edit")
    assess(Country.objects.get(iso2="KE"), "ICMEC.3", Status.MET, source=source)
    client.get("/compare/")
    source.title = "After the edit"
    source.save()
    with CaptureQueriesContext(connection) as ctx:
        body = client.get("/compare/").content.decode()
    assert "source: After the edit" in row_of(body, "KE")
    assert "Before the edit" not in body
    assert len(ctx.captured_queries) == 3  # the version, the cells versions, KE's cells


def test_another_worker_finds_what_one_worker_read_in_the_shared_cache(client):
    from legislation.site import cache as datacache

    source = make_source(title="Read once")
    client.get("/compare/")
    datacache.remembered.clear()  # a worker that has not served this shared version yet
    assess(Country.objects.get(iso2="KE"), "ICMEC.3", Status.MET, source=source)
    with CaptureQueriesContext(connection) as ctx:
        body = client.get("/compare/").content.decode()
    assert len(ctx.captured_queries) == 3  # the version, the cells versions, the cells
    assert "source: Read once" in row_of(body, "KE")


def test_a_filter_on_cells_sees_a_cell_change_at_once(client):
    source = make_source(title="A reading")
    kenya = Country.objects.get(iso2="KE")
    for query in ("where=ICMEC.3:met", "min_met=1", "fully_assessed=1", "q=Kenya"):
        client.get(f"/compare/?{query}")
    for code in ("ICMEC.1", "ICMEC.2", "ICMEC.3", "ICMEC.4", "ICMEC.5"):
        assess(kenya, code, Status.MET, source=source)
    for query in ("where=ICMEC.3:met", "min_met=1", "fully_assessed=1", "q=Kenya"):
        body = client.get(f"/compare/?{query}").content.decode()
        assert "met 5 of 5" in row_of(body, "KE"), query


def test_a_country_added_to_a_group_shows_at_once_in_that_groups_table(client):
    from legislation.models import CountryGroup

    group = CountryGroup.objects.exclude(countries__iso2="KE").first()
    assert 'class="code">KE<' not in client.get(f"/compare/?group={group.slug}").content.decode()
    group.countries.add(Country.objects.get(iso2="KE"))
    assert 'class="code">KE<' in client.get(f"/compare/?group={group.slug}").content.decode()


def test_after_a_cell_change_the_queries_are_the_same_for_20_and_200_countries(client):
    small = build_synthetic(20, region="Small", seed=7)[0][0]
    large = build_synthetic(200, region="Large", seed=8)[0][0]
    assert queries_after_a_cell_change(
        client, "/compare/?region=Small", small
    ) == queries_after_a_cell_change(client, "/compare/?region=Large", large)


def test_a_renamed_group_shows_at_once_among_the_filters_choices(client):
    from legislation.models import CountryGroup

    group = CountryGroup.objects.first()
    assert f">{group.name}</option>" in client.get("/compare/").content.decode()
    assess(Country.objects.get(iso2="KE"), "ICMEC.3", Status.MET)  # cells only: kept …
    client.get("/compare/")
    group.name = "Renamed group of states"
    group.save()  # … until anything else changes
    body = client.get("/compare/").content.decode()
    assert ">Renamed group of states</option>" in body


def test_a_renamed_criterion_shows_at_once_in_the_headings_and_choices(client):
    from legislation.models import Criterion

    client.get("/compare/")
    criterion = Criterion.objects.get(code="ICMEC.4")
    criterion.title = "Renamed criterion title"
    criterion.save()
    body = client.get("/compare/").content.decode()
    assert "ICMEC.4: Renamed criterion title" in body
    assert "ICMEC.4 Renamed criterion title" in body  # the map's and the filter's choices


def test_a_changed_published_rating_shows_at_once(client):
    from legislation.models import PublishedRating

    rating = PublishedRating.objects.get(country__iso2="FR")
    assert rating.summary in client.get("/compare/").content.decode()
    rating.summary = "met four of five, says the new reading"
    rating.save()
    assert "met four of five, says the new reading" in client.get("/compare/").content.decode()


def test_a_country_renamed_without_signals_shows_once_bump_is_called(client):
    from legislation.site import cache as datacache

    client.get("/compare/")
    Country.objects.filter(iso2="KE").update(name="Kenya, renamed by update()")
    datacache.bump()  # update() bypasses the signals: the documented rule
    body = client.get("/compare/").content.decode()
    assert "Kenya, renamed by update()</a>" in body


def test_a_source_renamed_by_another_process_shows_in_the_cells_at_once(client):
    # The signals never reach this process, but the source's history row does.
    source = make_source(title="Reading before")
    assess(Country.objects.get(iso2="KE"), "ICMEC.3", Status.MET, source=source)
    assert "source: Reading before" in client.get("/compare/").content.decode()
    signals.disconnect_public_receivers()
    try:
        source.title = "Reading after"
        source.save()
    finally:
        signals.connect()
    body = client.get("/compare/").content.decode()
    assert "source: Reading after" in row_of(body, "KE")


def test_a_filter_that_matches_no_country_says_so_in_the_table(client):
    for _ in range(2):  # rendered, then put together from what was kept
        body = client.get("/compare/?q=no-such-country-anywhere").content.decode()
        tbody = body.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
        assert "No country matches these filters." in tbody
        assert "<strong>0</strong> countries shown" in body
