"""What changed between two sets of cell rows, and the version that change calls for.

The Data Package Version recipe (Frictionless): MAJOR when the schema changes (a resource
or field added, removed, renamed or retyped); PATCH when every changed cell was changed as a
correction of our record (its reason code is "error corrected"; a source or provision added
as evidence for it, or a row removed, goes with it); MINOR otherwise: new assessments and new
rows (a country, a criterion), and every other kind of change (law amended, new evidence,
reinterpretation, ...). A release whose version says less, or more, than its changes is
refused. The reason codes are the Editor's own (`statuses.ReasonCode`), read from history.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from legislation.models.releases import parse_version
from legislation.statuses import ReasonCode

NEW_ASSESSMENT = "new_assessment"
CORRECTION = "correction"
WITHDRAWN = "withdrawn"

LEVELS = ("patch", "minor", "major")
# Rows that only carry a cell's evidence: a source or provision added for a corrected cell is
# part of that correction, not new data of its own.
EVIDENCE_TABLES = frozenset({"sources", "provisions"})
NOT_ASSESSED = "not_assessed"


def change_kind(before_status, after_status):
    """new_assessment, withdrawn or correction, from the statuses on either side."""
    before_known = before_status not in (None, NOT_ASSESSED)
    after_known = after_status not in (None, NOT_ASSESSED)
    if after_known and not before_known:
        return NEW_ASSESSMENT
    if before_known and not after_known:
        return WITHDRAWN
    return CORRECTION


@dataclass
class ReleaseDiff:
    schema_changed: bool = False
    added_rows: dict = field(default_factory=dict)  # resource → count
    changed_rows: dict = field(default_factory=dict)  # resource → count (not cells)
    cell_changes: list = field(default_factory=list)  # (kind, before row or None, after row)

    @property
    def level(self):
        """The smallest version step these changes call for; None when nothing changed."""
        if self.schema_changed:
            return "major"
        reasons = {after.get("reason_code") for _, _, after in self.cell_changes}
        added = any(n for name, n in self.added_rows.items() if name not in EVIDENCE_TABLES)
        if reasons - {ReasonCode.ERROR_CORRECTED.value} or added:
            return "minor"
        if reasons or any(self.changed_rows.values()) or any(self.added_rows.values()):
            return "patch"
        return None


def _keyed(resource_spec, rows):
    key = resource_spec["primaryKey"]
    return {tuple(row[k] for k in key): row for row in rows}


def diff_tables(spec, before, after, before_signature, after_signature):
    """Compare two {resource: rows} of releases whose schemas are described by `spec`."""
    result = ReleaseDiff(schema_changed=before_signature != after_signature)
    if result.schema_changed:
        return result
    for resource, resource_spec in spec.items():
        old = _keyed(resource_spec, before.get(resource, []))
        new = _keyed(resource_spec, after.get(resource, []))
        if resource == "cells":
            for key, row in new.items():
                previous = old.get(key)
                if previous != row:
                    kind = change_kind(previous and previous["status"], row["status"])
                    result.cell_changes.append((kind, previous, row))
            removed = [k for k in old if k not in new]
            result.changed_rows[resource] = len(removed)
            continue
        result.added_rows[resource] = sum(1 for k in new if k not in old)
        changed = sum(1 for k, row in new.items() if k in old and old[k] != row)
        changed += sum(1 for k in old if k not in new)
        result.changed_rows[resource] = changed
    return result


def bump(version, level):
    major, minor, patch = parse_version(version)
    if level == "major":
        return f"{major + 1}.0.0"
    if level == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def check_version(version, previous_version, diff):
    """Refuse a version that contradicts the changes since the previous release."""
    parse_version(version)
    if previous_version is None:
        return "major" if parse_version(version)[0] >= 1 else "minor"
    level = diff.level
    if level is None:
        raise ValidationError(
            f"Nothing public has changed since release {previous_version}; no release is needed."
        )
    expected = bump(previous_version, level)
    if version != expected:
        reason = {
            "major": "the schema changed",
            "minor": "there are new assessments, new rows or changes for a reason other "
            "than error corrected",
            "patch": "there are only corrections (reason: error corrected)",
        }[level]
        raise ValidationError(
            f"Release {version} contradicts the changes since {previous_version}: {reason}, "
            f"so the next version is {expected} (a {level} release)."
        )
    return level
