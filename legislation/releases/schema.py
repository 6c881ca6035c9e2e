"""The tables of a data release, defined once: their columns and types, keys, and how a row is
written to and read back from CSV.

The API reads the same flat rows (`legislation.api.queries`) whether they come from the
database or from a release's stored CSVs, so `release=` answers with exactly that release's
rows. Changing a resource's fields here is a schema change: the next release must be major.
"""

import csv
import io

from legislation.exports.spreadsheet import guard, unguard
from legislation.models import TreatyParticipation, TreatyReservation
from legislation.statuses import ReasonCode

# "not_assessed" is declared missing in the cells table: nobody has verified the cell, so a
# validator or a statistics package reads it as unknown (NA), never as a value beside "no".
CELL_MISSING_VALUES = ["", "not_assessed"]
MISSING_VALUES = [""]
LIST_SEPARATOR = ";"


def field(name, type_="string", description="", **constraints):
    spec = {"name": name, "type": type_}
    if description:
        spec["description"] = description
    if type_ == "list":
        # Frictionless has no list of strings in CSV: a string of codes joined by ";".
        spec["type"] = "string"
        spec["format"] = "default"
        spec["description"] = (description + " " if description else "") + (
            f"Codes separated by '{LIST_SEPARATOR}'."
        )
        spec["x-list"] = True
    if constraints:
        spec["constraints"] = constraints
    return spec


def fk(fields, resource, reference_fields):
    return {"fields": fields, "reference": {"resource": resource, "fields": reference_fields}}


STATUSES = ["met", "partial", "not_met", "reserved"]

RESOURCES = {
    "frameworks": {
        "title": "The two standards countries are assessed against",
        "fields": [
            field("code", required=True, unique=True),
            field("name", required=True),
            field("short_name"),
            field("publisher"),
            field("edition"),
            field("year", "integer"),
            field("url"),
            field("is_treaty", "boolean"),
        ],
        "primaryKey": ["code"],
        "foreignKeys": [],
    },
    "criteria": {
        "title": "Criteria: ICMEC's five and the Lanzarote sub-paragraphs with their articles",
        "fields": [
            field("code", required=True, unique=True),
            field("framework", required=True),
            field("parent", description="The article a sub-paragraph belongs to."),
            field("is_leaf", "boolean", "Leaves are assessed; articles are rolled up."),
            field("article"),
            field("title", required=True),
            field("summary"),
            field("reservation_allowed", enum=["no", "yes", "partial"]),
            field("display_order", "integer"),
        ],
        "primaryKey": ["code"],
        "foreignKeys": [
            fk(["framework"], "frameworks", ["code"]),
            fk(["parent"], "criteria", ["code"]),
        ],
    },
    "countries": {
        "title": "The 196 countries of the ICMEC review, with UN M49 regions and groups",
        "fields": [
            field("iso2", required=True, unique=True),
            field("iso3", required=True),
            field("iso_numeric"),
            field("name", required=True),
            field("official_name"),
            field("region"),
            field("subregion"),
            field("un_status", enum=["member", "observer", "other"]),
            field("groups", "list", "Country groups (coe, eu, lanzarote, global-north…)."),
        ],
        "primaryKey": ["iso2"],
        "foreignKeys": [],
    },
    "sources": {
        "title": "Publications and laws that assessed cells cite",
        "fields": [
            field("source_id", "integer", required=True, unique=True),
            field("title", required=True),
            field("publisher"),
            field("year", "integer"),
            field("url"),
            field("page"),
        ],
        "primaryKey": ["source_id"],
        "foreignKeys": [],
    },
    "cells": {
        "title": "One row per country and assessed-or-not criterion (long format)",
        "missingValues": CELL_MISSING_VALUES,
        "fields": [
            field("country", required=True),
            field("criterion", required=True),
            field("framework", required=True),
            field(
                "status",
                description="met, partial, not_met or reserved; not_assessed (missing) means "
                "nobody has verified the cell — never a gap.",
                enum=STATUSES,
            ),
            field("as_of", "date", "The date the law was read in this state."),
            field(
                "as_of_precision",
                description="How much of as_of is known: day, month, year.",
                enum=["day", "month", "year"],
            ),
            field(
                "evidence_grade",
                description="A lawyer, B official text, C secondary, D unverified.",
                enum=["A", "B", "C", "D"],
            ),
            field("source_id", "integer"),
            field("note"),
            field(
                "reason_code",
                description="Why the cell last changed.",
                enum=[code.value for code in ReasonCode],
            ),
            field("public_reason", description="The public reason given with that change."),
            field("reviewed_on", "date", "The day a second person approved the value."),
        ],
        "primaryKey": ["country", "criterion"],
        "foreignKeys": [
            fk(["country"], "countries", ["iso2"]),
            fk(["criterion"], "criteria", ["code"]),
            fk(["framework"], "frameworks", ["code"]),
            fk(["source_id"], "sources", ["source_id"]),
        ],
    },
    "provisions": {
        "title": "The provisions of law each assessed cell relies on",
        "fields": [
            field("country", required=True),
            field("criterion", required=True),
            field("provision_id", "integer", required=True),
            field("instrument", required=True),
            field("instrument_year", "integer"),
            field("reference", required=True, description="Article or section."),
            field("url"),
            field("citation", description="Instrument (year), reference."),
        ],
        "primaryKey": ["country", "criterion", "provision_id"],
        "foreignKeys": [fk(["country", "criterion"], "cells", ["country", "criterion"])],
    },
    "treaty_participation": {
        "title": "Signatures, ratifications and accessions (blank date = unknown)",
        "fields": [
            field("treaty", required=True),
            field("country", required=True),
            field("action", enum=["signature", "ratification", "accession"]),
            field("signed", "date"),
            field("ratified", "date"),
            field("in_force", "date"),
            field("date_quality", enum=TreatyParticipation.DateQuality.values),
            field("source"),
        ],
        "primaryKey": ["treaty", "country"],
        "foreignKeys": [
            fk(["treaty"], "frameworks", ["code"]),
            fk(["country"], "countries", ["iso2"]),
        ],
    },
    "reservations": {
        "title": "Reservations and declarations made by Parties",
        "fields": [
            field("reservation_id", "integer", required=True, unique=True),
            field("treaty", required=True),
            field("country", required=True),
            field("kind", enum=TreatyReservation.Kind.values),
            field("article"),
            field("criteria", "list", "The sub-paragraphs the reservation covers."),
            field("text"),
            field("source"),
        ],
        "primaryKey": ["reservation_id"],
        "foreignKeys": [
            fk(["treaty", "country"], "treaty_participation", ["treaty", "country"]),
        ],
    },
    "published_figures": {
        "title": "Aggregates as ICMEC published them (never computed here)",
        "fields": [
            field("figure_id", "integer", required=True),
            field("framework", required=True),
            field("edition", "integer"),
            field("release"),
            field("year", "integer"),
            field("figure", required=True),
            field("scope", required=True),
            field("value", "integer"),
            field("meaning"),
            field("source"),
        ],
        "primaryKey": ["figure_id"],
        "foreignKeys": [fk(["framework"], "frameworks", ["code"])],
    },
}


def columns(resource):
    return [f["name"] for f in RESOURCES[resource]["fields"]]


def table_schema(resource):
    """The Table Schema of one resource, as datapackage.json states it."""
    spec = RESOURCES[resource]
    fields = [{k: v for k, v in f.items() if k != "x-list"} for f in spec["fields"]]
    schema = {
        "fields": fields,
        "missingValues": spec.get("missingValues", MISSING_VALUES),
        "primaryKey": spec["primaryKey"],
    }
    if spec["foreignKeys"]:
        schema["foreignKeys"] = spec["foreignKeys"]
    return schema


def schema_signature():
    """What makes two releases' schemas the same: resources and their field names and types."""
    return {
        name: [(f["name"], f["type"]) for f in spec["fields"]] for name, spec in RESOURCES.items()
    }


# Spreadsheet safety: `guard` and its exact inverse `unguard` come from the one home of that rule.


def _to_text(spec, value):
    if value is None:
        return ""
    if spec.get("x-list"):
        return LIST_SEPARATOR.join(value)
    if spec["type"] == "boolean":
        return "true" if value else "false"
    if spec["type"] == "string":
        return guard(str(value))
    return str(value)


def _from_text(spec, text):
    if text == "":
        return [] if spec.get("x-list") else None
    if spec.get("x-list"):
        return text.split(LIST_SEPARATOR)
    if spec["type"] == "boolean":
        return text == "true"
    if spec["type"] == "integer":
        return int(text)
    if spec["type"] == "string":
        return unguard(text)
    return text  # dates stay ISO strings, as the flat rows hold them


def to_csv(resource, rows):
    """Flat rows → CSV bytes: UTF-8 without BOM, a header row, fixed order, RFC 4180 CRLF line
    ends (so the writer quotes any field holding a CR or LF, and it reads back intact)."""
    specs = RESOURCES[resource]["fields"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([s["name"] for s in specs])
    for row in rows:
        writer.writerow([_to_text(s, row[s["name"]]) for s in specs])
    return out.getvalue().encode("utf-8")


def from_csv(resource, content):
    """CSV bytes → flat rows, the exact inverse of `to_csv`."""
    specs = {s["name"]: s for s in RESOURCES[resource]["fields"]}
    reader = csv.DictReader(io.StringIO(content.decode("utf-8"), newline=""))
    return [{name: _from_text(specs[name], text) for name, text in row.items()} for row in reader]
