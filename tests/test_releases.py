import csv
import hashlib
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import frictionless
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from legislation.models import Assessment
from legislation.releases import package, schema
from legislation.statuses import ReasonCode, Status

from .api_helpers import people, publish

pytestmark = pytest.mark.usefixtures("reference_data")


@pytest.fixture
def staff():
    return people()


def unpack(release, folder):
    for path, content in release.file_bytes().items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return folder / "datapackage.json"


def test_it_cuts_a_release_that_frictionless_validates(staff, tmp_path):
    seeded = Assessment.objects.exclude(status=Status.NOT_ASSESSED).count()
    publish(*staff, "PH", "ICMEC.4", provisions=2, note="=SUM(A1) is text, not a formula")
    release = package.create_release("1.0.0", "First release")

    report = frictionless.validate(str(unpack(release, tmp_path)))

    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert release.counts["assessed"] == seeded + 1  # the published seed cells, and this one


def test_it_passes_the_frictionless_command_line_validator(staff, tmp_path):
    publish(*staff, "FR", "ICMEC.1", provisions=1)
    datapackage = unpack(package.create_release("1.0.0", "First release"), tmp_path)
    frictionless_cli = Path(sys.executable).with_name("frictionless")

    result = subprocess.run(  # noqa: S603 (our own validator, our own file)
        [str(frictionless_cli), "validate", str(datapackage)], capture_output=True, text=True
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_it_declares_not_assessed_a_missing_value(tmp_path):
    datapackage = unpack(package.create_release("1.0.0", "First"), tmp_path)
    resource = frictionless.Package(str(datapackage)).get_resource("cells")

    assert resource.schema.missing_values == ["", "not_assessed"]
    rows = resource.read_rows()
    philippines = [r for r in rows if r["country"] == "PH"]
    assert {r["status"] for r in philippines} == {None}


def test_it_describes_the_package_without_personal_names(tmp_path):
    release = package.create_release("1.0.0", "First")
    described = json.loads(release.file_bytes()["datapackage.json"])

    assert described["name"] == package.PACKAGE_NAME
    assert described["version"] == "1.0.0" and described["id"]
    assert described["licenses"][0]["name"] == "CC-BY-4.0"
    assert all("title" in c and "role" in c for c in described["contributors"])
    cells = next(r for r in described["resources"] if r["name"] == "cells")
    assert cells["schema"]["primaryKey"] == ["country", "criterion"]
    assert {"fields": ["country"], "reference": {"resource": "countries", "fields": ["iso2"]}} in (
        cells["schema"]["foreignKeys"]
    )


def test_it_records_a_sha256_for_every_file(tmp_path):
    release = package.create_release("1.0.0", "First")
    files = release.file_bytes()
    sums = dict(reversed(line.split("  ")) for line in files["SHA256SUMS"].decode().splitlines())

    assert set(sums) == set(files) - {"SHA256SUMS"}
    assert all(hashlib.sha256(files[path]).hexdigest() == digest for path, digest in sums.items())


def test_it_serves_the_same_zip_bytes_every_time(client):
    release = package.create_release("1.0.0", "First")

    first = client.get(f"/data/{release.version}/download.zip").content
    second = client.get("/data/latest/", follow=True).content

    assert first == second
    assert hashlib.sha256(first).hexdigest() == release.zip_sha256
    assert package.verify(release) == []
    names = zipfile.ZipFile(io.BytesIO(first)).namelist()
    assert f"{package.PACKAGE_NAME}-1.0.0/data/cells.csv" in names


def test_it_builds_the_same_bytes_from_the_same_data():
    release = package.create_release("1.0.0", "First")
    tables = package.public_tables()

    rebuilt = package.build_files("1.0.0", "First", release.cut_at, tables, level=release.level)

    assert rebuilt == release.file_bytes()


def _release_after_a_change(staff, reason_code, wrong, right, public_reason=""):
    """Release 1.0.0, then PH ICMEC.4 partial → met for `reason_code`: version `wrong` is
    refused naming `right`, which is cut. Returns (release, its changelog)."""
    publish(*staff, "PH", "ICMEC.4", status=Status.PARTIAL)
    package.create_release("1.0.0", "First")
    publish(
        *staff,
        "PH",
        "ICMEC.4",
        status=Status.MET,
        reason_code=reason_code,
        public_reason=public_reason,
    )
    with pytest.raises(ValidationError, match=f"the next version is {right}"):
        package.create_release(wrong, "Contradicts the changes")
    release = package.create_release(right, "After the change")
    return release, release.file_bytes()["CHANGELOG.md"].decode()


def test_it_requires_a_patch_after_a_correction_and_lists_it(staff):
    release, changelog = _release_after_a_change(
        staff, ReasonCode.ERROR_CORRECTED, "1.1.0", "1.0.1", public_reason="Misread section 4."
    )

    assert release.level == "patch"
    assert "## error corrected (1 cells)" in changelog
    line = next(x for x in changelog.splitlines() if x.startswith("- [correction] PH ICMEC.4"))
    assert "status partial → met" in line and line.endswith("(Misread section 4.)")


def test_it_requires_a_minor_version_when_the_law_changed(staff):
    release, changelog = _release_after_a_change(staff, ReasonCode.LAW_AMENDED, "1.0.1", "1.1.0")

    assert release.level == "minor"
    assert "## law amended (1 cells)" in changelog


def test_it_refuses_a_patch_when_there_are_new_assessments(staff):
    package.create_release("1.0.0", "First")
    publish(*staff, "FR", "ICMEC.1")

    with pytest.raises(ValidationError, match="there are new assessments"):
        package.create_release("1.0.1", "Not a patch")

    assert package.create_release("1.1.0", "New assessment").level == "minor"


def test_it_requires_a_major_version_when_the_schema_changes(monkeypatch):
    package.create_release("1.0.0", "First")
    changed = dict(schema.RESOURCES)
    changed["sources"] = {
        **changed["sources"],
        "fields": [*changed["sources"]["fields"], schema.field("doi")],
    }
    monkeypatch.setattr(schema, "RESOURCES", changed)
    monkeypatch.setattr(
        package, "public_tables", lambda: _with_column(package.queries, "sources", "doi")
    )

    with pytest.raises(ValidationError, match="the schema changed"):
        package.create_release("1.1.0", "New column")


def _with_column(queries, resource, name):
    tables = {
        "frameworks": queries.frameworks(),
        "criteria": queries.criteria(),
        "countries": queries.countries(),
        "sources": queries.sources(),
        "treaty_participation": queries.treaty_participation(),
        "reservations": queries.reservations(),
        "published_figures": queries.published_figures(),
    }
    tables["cells"], tables["provisions"] = queries.cells()
    for row in tables[resource]:
        row[name] = None
    return tables


def test_it_refuses_a_release_when_nothing_changed():
    package.create_release("1.0.0", "First")

    with pytest.raises(ValidationError, match="Nothing public has changed"):
        package.create_release("1.0.1", "Again")


def test_it_never_changes_or_deletes_a_release():
    release = package.create_release("1.0.0", "First")
    release.notes = "Rewritten"

    with pytest.raises(ValidationError, match="immutable"):
        release.save()
    with pytest.raises(ValidationError, match="immutable"):
        release.delete()
    with pytest.raises(ValidationError, match="immutable"):
        release.files.first().delete()


def test_the_command_cuts_a_release_and_refuses_a_second_with_the_same_version():
    out = io.StringIO()
    call_command("create_release", "1.0.0", notes="First", stdout=out)

    assert "Release 1.0.0 (major): 196 countries" in out.getvalue()
    with pytest.raises(CommandError, match="exists already"):
        call_command("create_release", "1.0.0", notes="Again")


def test_the_command_refuses_a_malformed_version():
    with pytest.raises(CommandError, match="MAJOR.MINOR.PATCH"):
        call_command("create_release", "v1", notes="First")


def test_it_guards_formulas_in_the_csv_and_reads_them_back(staff):
    publish(*staff, "PH", "ICMEC.4", note='=HYPERLINK("x")')
    release = package.create_release("1.0.0", "First")

    rows = csv.DictReader(io.StringIO(release.file_bytes()["data/cells.csv"].decode()))
    note = next(r["note"] for r in rows if r["country"] == "PH" and r["criterion"] == "ICMEC.4")

    assert note == '\'=HYPERLINK("x")'
    cells = package.queries.release_rows(release, "cells")
    read = next(c for c in cells if c["country"] == "PH" and c["criterion"] == "ICMEC.4")
    assert read["note"] == '=HYPERLINK("x")'
