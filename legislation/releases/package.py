"""Cutting a data release: the public tables as a Frictionless Data Package, stored byte for byte.

A release holds `datapackage.json` (name, id, version, created, licence, sources,
contributors without personal names, a Table Schema per resource with its SHA-256), one CSV
per resource under `data/`, a generated `CHANGELOG.md` (changes since the previous release,
grouped by reason code), `CITATION.cff` and `SHA256SUMS`. The files are built from plain rows
in a fixed order with fixed formatting, so the same data always gives the same bytes, and
the zip is written with the release's own timestamp, so it too is the same on every download.
"""

import datetime
import hashlib
import io
import json
import uuid
import zipfile

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from legislation.api import queries
from legislation.models import Framework, Release, ReleaseFile
from legislation.statuses import ReasonCode

from . import citation, schema, versioning

PACKAGE_NAME = "csem-legislation-gap-analysis"
TITLE = "Child sexual exploitation laws: legislative gap analysis (ICMEC, Lanzarote)"
LICENCE = {
    "name": "CC-BY-4.0",
    "title": "Creative Commons Attribution 4.0 International",
    "path": "https://creativecommons.org/licenses/by/4.0/",
}
# Roles, never people: editors and reviewers stay unnamed in everything public.
CONTRIBUTORS = [
    {"title": "CSE law gap analysis project: editors and reviewers", "role": "author"},
    {"title": "CSE law gap analysis project", "role": "publisher"},
]
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://csem-gap-analysis.invalid/releases/")


def public_tables(moment=queries.NOW):
    """Every resource of a release as flat rows, read through `legislation.api.queries`."""
    cells, provisions = queries.cells(moment)
    cited = {row["source_id"] for row in cells if row["source_id"] is not None}
    return {
        "frameworks": queries.frameworks(moment),
        "criteria": queries.criteria(moment),
        "countries": queries.countries(moment),
        # Only sources that public cells cite: a source typed for a pending proposal is not
        # public until that proposal is approved.
        "sources": [s for s in queries.sources(moment) if s["source_id"] in cited],
        "cells": cells,
        "provisions": provisions,
        "treaty_participation": queries.treaty_participation(moment),
        "reservations": queries.reservations(moment),
        "published_figures": queries.published_figures(moment),
    }


def sha256(content):
    return hashlib.sha256(content).hexdigest()


def _sources(tables):
    sources = [{"title": f["name"], "path": f["url"]} for f in tables["frameworks"] if f["url"]]
    for s in tables["sources"]:
        entry = {"title": s["title"]}
        if s["url"]:
            entry["path"] = s["url"]
        sources.append(entry)
    return sources


def datapackage(version, notes, created, tables, csv_files):
    resources = []
    for name, spec in schema.RESOURCES.items():
        content = csv_files[name]
        resources.append(
            {
                "name": name,
                "title": spec["title"],
                "path": f"data/{name}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "bytes": len(content),
                "hash": f"sha256:{sha256(content)}",
                "schema": schema.table_schema(name),
            }
        )
    package = {
        "profile": "tabular-data-package",
        "name": PACKAGE_NAME,
        "id": str(uuid.uuid5(ID_NAMESPACE, version)),
        "title": TITLE,
        "description": notes,
        "version": version,
        "created": created.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "licenses": [LICENCE],
        "sources": _sources(tables),
        "contributors": CONTRIBUTORS,
        "keywords": ["child sexual abuse material", "legislation", "ICMEC", "Lanzarote"],
        "resources": resources,
    }
    return (json.dumps(package, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _describe_cell_change(before, after):
    label = f"{after['country']} {after['criterion']}"
    if before is None:
        return f"{label}: new row, {after['status']}"
    parts = []
    for name in ("status", "as_of", "as_of_precision", "evidence_grade", "source_id", "note"):
        if before[name] != after[name]:
            old, new = before[name] or "—", after[name] or "—"
            if name == "note":
                parts.append("note changed")
            else:
                parts.append(f"{name} {old} → {new}")
    return f"{label}: " + ("; ".join(parts) or "provisions or review date changed")


def changelog(version, created, previous, diff, level):
    lines = [f"# Changelog: {PACKAGE_NAME} {version}", ""]
    lines.append(f"Released {created.date().isoformat()} ({level} release).")
    lines.append("")
    if previous is None:
        lines.append("First release: every public cell as of the release date.")
        return ("\n".join(lines) + "\n").encode("utf-8")
    lines.append(f"Changes since {previous.version}, grouped by reason code.")
    groups = {}
    for kind, before, after in diff.cell_changes:
        groups.setdefault(after.get("reason_code"), []).append((kind, before, after))
    order = [code.value for code in ReasonCode] + [None]
    for reason in sorted(groups, key=lambda code: order.index(code) if code in order else 99):
        changes = groups[reason]
        label = ReasonCode(reason).label if reason in ReasonCode.values else "not recorded"
        lines += ["", f"## {label} ({len(changes)} cells)", ""]
        for kind, before, after in changes:
            line = f"- [{kind.replace('_', ' ')}] {_describe_cell_change(before, after)}"
            public_reason = " ".join((after.get("public_reason") or "").split())
            lines.append(f"{line} ({public_reason})" if public_reason else line)
    others = {k: v for k, v in diff.added_rows.items() if v}
    changed = {k: v for k, v in diff.changed_rows.items() if v}
    if others or changed:
        lines += ["", "## other tables", ""]
        lines += [f"- {name}: {n} rows added" for name, n in sorted(others.items())]
        lines += [f"- {name}: {n} rows changed or removed" for name, n in sorted(changed.items())]
    if not groups and not others and not changed:
        lines += ["", "No data changed (the schema did)."]
    return ("\n".join(lines) + "\n").encode("utf-8")


def build_files(version, notes, created, tables, previous=None, diff=None, level="major"):
    """{path: bytes} of the whole package, a pure function of its arguments."""
    csv_files = {name: schema.to_csv(name, tables[name]) for name in schema.RESOURCES}
    files = {f"data/{name}.csv": content for name, content in csv_files.items()}
    files["datapackage.json"] = datapackage(version, notes, created, tables, csv_files)
    files["CHANGELOG.md"] = changelog(version, created, previous, diff, level)
    files["CITATION.cff"] = citation.cff(version, created.date()).encode("utf-8")
    sums = "".join(f"{sha256(files[path])}  {path}\n" for path in sorted(files))
    files["SHA256SUMS"] = sums.encode("utf-8")
    return files


def zip_bytes(files, created):
    """A zip that is the same bytes every time: sorted paths, the release's own timestamp."""
    out = io.BytesIO()
    stamp = created.astimezone(datetime.UTC).timetuple()[:6]
    with zipfile.ZipFile(out, "w") as archive:
        for path in sorted(files):
            info = zipfile.ZipInfo(f"{PACKAGE_NAME}-{files_version(files)}/{path}", stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[path], compresslevel=9)
    return out.getvalue()


def files_version(files):
    return json.loads(files["datapackage.json"])["version"]


def release_zip(release):
    return zip_bytes(release.file_bytes(), release.cut_at)


def counts(tables):
    result = {name: len(rows) for name, rows in tables.items()}
    result["assessed"] = sum(1 for r in tables["cells"] if r["status"] != "not_assessed")
    result["frameworks"] = len(tables["frameworks"])
    result["assessed_by_framework"] = {
        code: sum(
            1 for r in tables["cells"] if r["framework"] == code and r["status"] != "not_assessed"
        )
        for code in (Framework.ICMEC, Framework.LANZAROTE)
    }
    return result


def plan(version, previous, tables):
    """(level, diff) for cutting `version` now; a ValidationError says why it is refused."""
    if previous is None:
        return versioning.check_version(version, None, None), None
    stored = json.loads(previous.file_bytes()["datapackage.json"])
    before_signature = {
        r["name"]: [(f["name"], f["type"]) for f in r["schema"]["fields"]]
        for r in stored["resources"]
    }
    before = {name: queries.release_rows(previous, name) for name in before_signature}
    diff = versioning.diff_tables(
        schema.RESOURCES, before, tables, before_signature, schema.schema_signature()
    )
    return versioning.check_version(version, previous.version, diff), diff


def create_release(version, notes, user=None):
    """Cut, check and store a release of the current public data; refuse with a message."""
    version = version.strip()
    notes = notes.strip()
    if not notes:
        raise ValidationError("Say what the release is in its notes.")
    with transaction.atomic():
        if Release.objects.by_name(version):
            raise ValidationError(f"Release {version} exists already; releases never change.")
        previous = Release.objects.select_for_update().newest_first().first()
        if previous and versioning.parse_version(version) <= versioning.parse_version(
            previous.version
        ):
            raise ValidationError(
                f"Release {version} is not newer than the latest release, {previous.version}."
            )
        created = timezone.now()
        tables = public_tables()
        level, diff = plan(version, previous, tables)
        files = build_files(version, notes, created, tables, previous, diff, level)
        try:
            release = Release.objects.create(
                version=version,
                notes=notes,
                cut_at=created,
                created_by=user,
                counts=counts(tables),
                level=level,
                zip_sha256=sha256(zip_bytes(files, created)),
            )
        except IntegrityError:
            raise ValidationError(f"Release {version} exists already.") from None
        ReleaseFile.objects.bulk_create(
            ReleaseFile(
                release=release,
                path=path,
                content=content,
                sha256=sha256(content),
                size=len(content),
            )
            for path, content in sorted(files.items())
        )
    return release


def verify(release):
    """Problems found re-reading a stored release ([] when every byte is as cut)."""
    problems = []
    for stored in release.files.all():
        if sha256(bytes(stored.content)) != stored.sha256:
            problems.append(f"{stored.path}: SHA-256 differs from the one stored")
    if sha256(release_zip(release)) != release.zip_sha256:
        problems.append("the zip rebuilt from the stored files differs from the one cut")
    return problems
