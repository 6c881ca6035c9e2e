"""Public pages: canonical addresses, conditional answers, a page cache that every public
change (and only a public change) retires, and a bound on heavy documents."""

import multiprocessing

import pytest
from django.core.cache import cache
from django.test import override_settings

from legislation.editorial import workflow
from legislation.models import (
    ChangeBatch,
    Country,
    CountryGroup,
    Criterion,
    DataVersion,
    PublishedRating,
    Source,
)
from legislation.site import cache as datacache
from legislation.site import public_cache
from legislation.statuses import Status

from .factories import assess, make_user

pytestmark = pytest.mark.usefixtures("reference_data")


def version_number():
    row = DataVersion.objects.filter(pk=1).first()
    return row.number if row else 0


def cache_size():
    """Entries in the cache: the memory cache's dict, or the Redis database's key count."""
    if isinstance(cache._cache, dict):
        return len(cache._cache)
    return cache._cache.get_client(None).dbsize()


def test_it_redirects_an_unknown_parameter_to_the_canonical_address(client):
    response = client.get("/compare/?framework=lanzarote&utm_source=mail&fbclid=x")
    assert response.status_code == 301
    assert response["Location"] == "/compare/?framework=lanzarote"


def test_an_unknown_parameter_makes_no_cache_entry(client):
    client.get("/countries/fr/")
    before = cache_size()
    for number in range(20):
        client.get(f"/countries/fr/?utm_source={number}")
    assert cache_size() == before


def test_it_keeps_every_parameter_of_the_pages_form(client):
    response = client.get("/compare/", {"framework": "icmec", "q": "fr", "sort": "name"})
    assert response.status_code == 200


def test_anonymous_pages_carry_validators_and_a_cdn_cache_control(client):
    response = client.get("/countries/fr/")
    assert response["ETag"].startswith('"')
    assert response["Last-Modified"]
    assert "public" in response["Cache-Control"] and "s-maxage=" in response["Cache-Control"]
    assert "Cookie" in response["Vary"]


def test_a_matching_conditional_get_is_a_304(client):
    etag = client.get("/countries/fr/")["ETag"]
    response = client.get("/countries/fr/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response["ETag"] == etag


def test_a_conditional_get_after_a_change_is_a_fresh_200(client):
    etag = client.get("/countries/sg/gaps/")["ETag"]
    Source.objects.update_or_create(title="A fresh source", defaults={"page": ""})
    response = client.get("/countries/sg/gaps/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag


def test_signed_in_staff_get_a_fresh_uncached_page(client):
    client.force_login(make_user("eddie"))
    response = client.get("/countries/fr/")
    assert response.status_code == 200
    assert "public" not in response.get("Cache-Control", "")


@pytest.mark.parametrize(
    "change",
    [
        lambda: Source.objects.filter(pk__in=Source.objects.values("pk")[:1]).first().save(),
        lambda: Country.objects.get(iso2="FR").save(),
        lambda: CountryGroup.objects.first().save(),
        lambda: Criterion.objects.first().save(),
        lambda: CountryGroup.objects.first().countries.remove(Country.objects.get(iso2="FR")),
        lambda: PublishedRating.objects.first().save(),
        lambda: assess(Country.objects.get(iso2="FR"), "ICMEC.1", Status.MET),
    ],
    ids=["source", "country", "group", "criterion", "group member", "rating", "cell"],
)
def test_a_public_change_raises_the_data_version(change):
    before = version_number()
    change()
    assert version_number() > before


def shared_number():
    return DataVersion.objects.get(pk=1).shared


def test_a_change_to_cells_or_their_evidence_leaves_the_shared_version_alone():
    from legislation.models import LegalInstrument, Provision

    before = shared_number()
    source = Source.objects.create(title="A reading")
    source.title = "A reading, revised"
    source.save()
    instrument = LegalInstrument.objects.create(
        country=Country.objects.get(iso2="FR"), title="Penal code"
    )
    provision = Provision.objects.create(instrument=instrument, reference="Art. 1")
    cell = assess(Country.objects.get(iso2="FR"), "ICMEC.1", Status.MET, source=source)
    cell.provisions.add(provision)
    cell.provisions.clear()
    cell.delete()
    provision.delete()
    instrument.delete()
    assert shared_number() == before


@pytest.mark.parametrize(
    "change",
    [
        lambda: Country.objects.get(iso2="FR").save(),
        lambda: CountryGroup.objects.first().save(),
        lambda: Criterion.objects.first().save(),
        lambda: PublishedRating.objects.first().save(),
        datacache.bump,
    ],
    ids=["country", "group", "criterion", "rating", "bump"],
)
def test_any_other_public_change_raises_the_shared_version(change):
    Country.objects.get(iso2="FR").save()
    before = shared_number()
    change()
    assert shared_number() > before


def test_the_shared_version_changes_with_its_cache_token_and_nothing_cells_show():
    source = Source.objects.create(title="A reading")
    first = datacache.data_version()
    assert datacache.shared_version(first) == datacache.shared_version(datacache.data_version())
    assess(Country.objects.get(iso2="FR"), "ICMEC.1", Status.MET, source=source)
    source.title = "A renamed reading"
    source.save()
    cells_and_evidence = datacache.data_version()
    assert cells_and_evidence != first
    assert datacache.shared_version(cells_and_evidence) == datacache.shared_version(first)
    Country.objects.get(iso2="FR").save()
    country = datacache.data_version()
    assert datacache.shared_version(country) != datacache.shared_version(first)
    cache.clear()  # a new token: nothing remembered under the old one is used
    assert datacache.shared_version(datacache.data_version()) != datacache.shared_version(country)


def test_a_login_or_an_import_draft_leaves_the_version_alone(client):
    user = make_user("eddie", groups=["Editors"])
    before = version_number()
    client.post("/admin/login/", {"username": "eddie", "password": "pw"})
    user.refresh_from_db()
    assert user.last_login is not None
    ChangeBatch.objects.create(author=user, reason="draft", kind=ChangeBatch.Kind.IMPORT)
    assert version_number() == before


def test_the_cache_token_changes_only_when_the_change_commits(
    django_capture_on_commit_callbacks,
):
    datacache.data_version()
    token = cache.get(datacache.VERSION_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        Country.objects.get(iso2="FR").save()
        assert cache.get(datacache.VERSION_KEY) == token
    assert cache.get(datacache.VERSION_KEY) != token


def test_a_changed_group_name_shows_at_the_next_request(client):
    group = Country.objects.get(iso2="FR").groups.first()
    assert group.name in client.get("/countries/fr/").text
    group.name = "Renamed group of states"
    group.save()
    assert "Renamed group of states" in client.get("/countries/fr/").text


def test_a_heavy_document_without_a_free_slot_is_a_429_with_retry_after(client, settings):
    settings.HEAVY_DOCUMENT_CONCURRENCY = 1
    held = public_cache.take_slot()
    try:
        response = client.get("/countries/sg/gaps.docx")
        assert response.status_code == 429
        assert response["Retry-After"] == "10"
        assert "asks again in 10 seconds" in response.text
    finally:
        public_cache.release_slot(held)
    assert client.get("/countries/sg/gaps.docx").status_code == 200


def test_a_cached_document_needs_no_slot(client, settings):
    settings.HEAVY_DOCUMENT_CONCURRENCY = 1
    first = client.get("/countries/sg/gaps.docx")
    held = public_cache.take_slot()
    try:
        again = client.get("/countries/sg/gaps.docx")
    finally:
        public_cache.release_slot(held)
    assert again.status_code == 200
    assert again.content == first.content
    assert again["Content-Disposition"] == first["Content-Disposition"]


def test_a_rendered_document_gives_its_slot_back(client, settings):
    settings.HEAVY_DOCUMENT_CONCURRENCY = 1
    client.get("/countries/sg/gaps.docx")
    held = public_cache.take_slot()
    assert held is not None
    public_cache.release_slot(held)


def _hold_a_slot(ready, done):
    # Another worker process of the same host, rendering a document until told to stop.
    slot = public_cache.take_slot()
    ready.put(slot is not None)
    done.wait(60)


LOCAL_MEMORY = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.mark.parametrize("caches", ["configured", "per-process memory"])
def test_a_slot_held_by_another_process_is_busy_until_that_process_ends(client, settings, caches):
    settings.HEAVY_DOCUMENT_CONCURRENCY = 1
    if caches != "configured":
        settings.CACHES = LOCAL_MEMORY
    # A separate process with its own memory (fork: it inherits these settings, not our cache).
    context = multiprocessing.get_context("fork")
    ready, done = context.Queue(), context.Event()
    other = context.Process(target=_hold_a_slot, args=(ready, done))
    other.start()
    try:
        assert ready.get(timeout=30) is True
        assert public_cache.take_slot() is None
        busy = client.get("/countries/sg/gaps.docx")
        assert busy.status_code == 429
        assert busy["Retry-After"] == "10"
    finally:
        # Killed, not asked to let go: the kernel frees the slot of a process that dies.
        other.kill()
        other.join(30)
    assert client.get("/countries/sg/gaps.docx").status_code == 200


def test_the_slots_bound_documents_rendered_at_once_across_processes(settings):
    settings.HEAVY_DOCUMENT_CONCURRENCY = 2
    context = multiprocessing.get_context("fork")
    ready, done = context.Queue(), context.Event()
    others = [context.Process(target=_hold_a_slot, args=(ready, done)) for _ in range(3)]
    for other in others:
        other.start()
    try:
        took = sorted(ready.get(timeout=30) for _ in others)
        assert took == [False, True, True]  # two slots, three processes: one was refused
        assert public_cache.take_slot() is None
    finally:
        done.set()
        for other in others:
            other.join(30)
    held = public_cache.take_slot()
    assert held is not None  # every holder has ended: the slots are free again
    public_cache.release_slot(held)


def test_healthz_says_ok_and_nothing_else(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


def test_healthz_is_a_503_when_the_cache_is_unreachable(client):
    unreachable = {
        "default": {
            "BACKEND": "config.redis_cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:8149/0",  # nothing listens there
        }
    }
    with override_settings(CACHES=unreachable):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["cache"] == "failing"


def test_every_response_names_its_request(client):
    assert len(client.get("/healthz")["X-Request-ID"]) == 32


def test_workflow_approval_raises_the_version_once_per_commit(editor, reviewer):
    france = Country.objects.get(iso2="FR")
    before = version_number()
    cell = france.assessments.get(criterion__code="ICMEC.1")
    change = workflow.Change(
        assessment=cell,
        base_version=cell.version,
        values={
            "status": Status.NOT_MET,
            "source": Source.objects.first(),
            "as_of": None,
            "as_of_precision": "day",
            "evidence_grade": "C",
            "note": "",
        },
        provisions=[],
    )
    proposed = workflow.propose(editor, "test", [change])
    assert version_number() == before  # a proposal is not public
    workflow.approve(reviewer, [p.pk for p in proposed.proposals])
    assert version_number() > before


def test_each_process_keeps_its_copies_within_a_size_bound():
    local = datacache.Local(max_bytes=100)
    for key in "abcd":
        local.put(key, key * 20, 20)
    assert local.get("a") == "a" * 20  # read: now the most recently used
    local.put("e", "e" * 25, 25)  # past 100 bytes: the least recently used ("b") goes
    assert local.get("b") is None
    assert [local.get(k) is not None for k in "acde"] == [True] * 4
    local.put("huge", "h" * 26, 26)  # more than a quarter of the bound: never kept
    assert local.get("huge") is None


def test_a_page_kept_by_this_process_is_never_served_after_a_change(client):
    assert "Renamed for the copy test" not in client.get("/countries/fr/").text
    client.get("/countries/fr/")  # now in this process's copies too
    france = Country.objects.get(iso2="FR")
    france.official_name = "Renamed for the copy test"
    france.save()
    assert "Renamed for the copy test" in client.get("/countries/fr/").text


def test_the_redis_backend_makes_one_client_per_pool_and_works_as_djangos():
    import redis

    from config.redis_cache import RedisCache

    url = "redis://127.0.0.1:6379/7"
    try:
        redis.Redis.from_url(url, socket_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {url} (.ci/run starts one)")
    backend = RedisCache(url, {"KEY_PREFIX": "client-reuse-test"})
    assert backend._cache.get_client(write=True) is backend._cache.get_client(write=True)
    assert backend._cache.get_client() is backend._cache.get_client("any key")
    backend.set("page", (b"<p>kept</p>", {"Content-Type": "text/html"}), 30)
    assert backend.get_many(["page", "absent"]) == {
        "page": (b"<p>kept</p>", {"Content-Type": "text/html"})
    }
    assert backend.add("page", "other", 30) is False
    backend.delete("page")
    assert backend.get("page") is None


def test_a_page_is_stored_for_the_other_workers_once_its_response_is_closed(rf):
    """The WSGI server closes a response once it has sent it; the shared copies (the page,
    and what was read for it) are written then, and this process's own copy at once."""
    from django.core.signals import request_finished
    from django.db import close_old_connections
    from django.http import HttpResponse

    def page(request):
        datacache.unchanged_by_cells(request.data_version, "read for the page", lambda: "read")
        return HttpResponse("<p>France</p>")

    request = rf.get("/countries/fr/")
    middleware = public_cache.PublicPageMiddleware(page)
    response = middleware(request)
    key = datacache.key_for(["page", "/countries/fr/", ""], request.data_version)
    shared = datacache.shared_version(request.data_version)
    read_key = datacache.piece_key(("unchanged by cells", "read for the page", shared))
    assert cache.get(key) is None and cache.get(read_key) is None
    assert datacache.local.get(key) == (
        b"<p>France</p>",
        {"Content-Type": response["Content-Type"]},
    )
    # As the WSGI server would, but keeping this test's database connection (as Django's test
    # client does).
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)
    assert cache.get(key) == datacache.local.get(key)
    assert cache.get(read_key) == "read"
    again = middleware(rf.get("/countries/fr/"))
    assert again.content == b"<p>France</p>"
