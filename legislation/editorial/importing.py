"""Reads a spreadsheet of assessments (CSV or XLSX, the long shape), checks every row and says,
row by row, what applying it would change. Nothing here writes: `apply_import` hands the
changed rows to `workflow.propose`, which makes them proposals for review, all or none.

The format is the comparison page's long export, so export → edit → import is a round trip:

- lines at the top whose first cell starts with `#` are notes and are skipped;
- then a header row with at least the columns in `COLUMNS` (any order; further columns are
  ignored with a warning, except `version`, which, when present, must equal the cell's current
  version so that a file made before someone else's change cannot overwrite it);
- `status` is the stored value (`not_met`) or its words (`not met`);
- `country` and `framework` are informational, but must agree with `iso2` and `criterion`;
- `source` is a Source as the app writes it (`title` or `title, page`); an unknown one is
  created when the import is applied, and the preview says so;
- `provisions` lists provisions of that country's recorded law as the app writes them,
  `Instrument title (year), reference`, separated by `;`. They must exist already (add the law
  under "Legal instruments" first): a citation typed in a spreadsheet is too easy to get
  slightly wrong, and a wrong citation is worse than none.
"""

import datetime
import hashlib
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from legislation import rules, statuses
from legislation.editorial import reading, workflow
from legislation.editorial.reading import ImportFileError
from legislation.exports import long_format
from legislation.matrix import build_summary_matrix
from legislation.models import (
    Assessment,
    ChangeBatch,
    Country,
    Criterion,
    Framework,
    Provision,
    Source,
)

# Exactly the comparison page's long download: export, edit, import.
COLUMNS = list(long_format.IMPORT_COLUMNS)
# Accepted: `version` is checked; `reason_code` gives a row its own kind of change (blank: the
# kind chosen for the whole file); the others are unused.
OPTIONAL_COLUMNS = [*long_format.ACCEPTED_COLUMNS, "reason_code"]


@dataclass
class RowResult:
    line: int
    outcome: str = "error"  # new, changed, unchanged, error
    cell: Assessment | None = None
    values: dict = field(default_factory=dict)
    provisions: list = field(default_factory=list)
    source_title: str = ""
    new_source: bool = False
    changes: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    reason_code: str = ""

    @property
    def label(self):
        return workflow.cell_label(self.cell) if self.cell else ""

    def error(self, column, text):
        self.errors.append(f"Row {self.line}, column {column}: {text}")


@dataclass
class Preview:
    file_name: str
    sha256: str = ""
    rows: list = field(default_factory=list)
    file_errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)

    @property
    def errors(self):
        return self.file_errors + [e for row in self.rows for e in row.errors]

    @property
    def ok(self):
        return not self.errors

    def count(self, outcome):
        return sum(1 for row in self.rows if row.outcome == outcome)

    @property
    def counts(self):
        return {o: self.count(o) for o in ("new", "changed", "unchanged", "error")}

    @property
    def to_apply(self):
        return [row for row in self.rows if row.outcome in ("new", "changed")]

    @property
    def versions(self):
        return {str(row.cell.pk): row.cell.version for row in self.to_apply}

    def summary(self):
        c = self.counts
        return (
            f"{len(self.rows)} rows: {c['new']} new, {c['changed']} changed, "
            f"{c['unchanged']} unchanged, {c['error']} with errors"
        )


def read_rows(file_name, data):
    """[(line number as the spreadsheet shows it, [cell texts])] of every row, or an error.
    The readers (`reading`) stream the file and stop at the row, width and size limits."""
    limit = settings.IMPORT_MAX_BYTES
    if len(data) > limit:
        raise ImportFileError(
            f"The file is too large ({len(data):,} bytes; the limit is {limit:,} bytes). "
            "Split it into several files, or use manage.py import_assessments."
        )
    if not data.strip():
        raise ImportFileError("The file is empty.")
    extension = file_name.lower().rsplit(".", 1)[-1] if "." in file_name else ""
    if extension == "csv":
        return reading.read_csv(data)
    if extension == "xlsx":
        return reading.read_xlsx(data)
    raise ImportFileError("Upload a .csv or .xlsx file (the comparison page's long export).")


def split_header(rows):
    """Skip `#` notes and blank rows; return (header line, header, data rows)."""
    body = [
        (line, values)
        for line, values in rows
        if any(v.strip() for v in values) and not values[0].lstrip().startswith("#")
    ]
    if not body:
        raise ImportFileError("The file is empty: it has no header row and no data rows.")
    (header_line, header), data = body[0], body[1:]
    return header_line, [h.strip().lower() for h in header], data


class Lookups:
    """Everything the checks need, read in a constant number of queries whatever the file size."""

    def __init__(self, country_codes=None):
        """`country_codes`: the iso2 codes the file names, so that only their cells (and
        provisions) are read; None reads every country's."""
        self.countries = {c.iso2: c for c in Country.objects.all()}
        cells, provisions = Assessment.objects.all(), Provision.objects.all()
        if country_codes is not None:
            wanted = [self.countries[c] for c in country_codes if c in self.countries]
            cells = cells.filter(country__in=wanted)
            provisions = provisions.filter(instrument__country__in=wanted)
        self.criteria = {c.code: c for c in Criterion.objects.select_related("framework")}
        self.sources = {}
        for source in Source.objects.all():
            self.sources.setdefault(source.citation(), source)
        self.provisions = {}
        for provision in provisions.select_related("instrument"):
            key = (provision.instrument.country_id, provision.citation())
            self.provisions[key] = provision
        self.cells = {
            (a.country_id, a.criterion_id): a
            for a in cells.select_related("country", "criterion", "source").prefetch_related(
                "provisions__instrument"
            )
        }
        self.pending = workflow.pending_by_cell()
        self.status_words = {}
        for status in statuses.Status:
            self.status_words[status.value] = status
            self.status_words[status.label] = status


PRECISION_RANK = {"day": 2, "month": 1, "year": 0}


def parse_as_of(text):
    """(date, the precision the text implies). A year alone means 31 December and a month its
    last day, as editors record them; (None, "day") for a blank or unreadable date."""
    text = text.strip()
    try:
        if len(text) == 4 and text.isdigit():
            return datetime.date(int(text), 12, 31), "year"
        if len(text) == 7 and text[4] == "-":
            first = datetime.date(int(text[:4]), int(text[5:]), 1)
            following = (first + datetime.timedelta(days=31)).replace(day=1)
            return following - datetime.timedelta(days=1), "month"
        if len(text) > 10 and text[10:].strip(" T0:"):
            return None, "day"  # a time of day other than midnight: not a plain date
        return datetime.date.fromisoformat(text[:10]), "day"
    except (ValueError, OverflowError):  # 9999-12 has no following month
        return None, "day"


def parse_grade(text):
    """ "B" or the grade's full label as pages show it; "" for blank; None when unreadable."""
    text = text.strip()
    if not text:
        return ""
    for grade in statuses.EvidenceGrade:
        if text.upper() == grade.value or text == grade.label:
            return grade.value
    return None


def parse_status(text, lookups):
    """The stored value (`not_met`), the words (`not met`) or what pages show (`✘ not met`)."""
    text = text.strip().lower()
    for symbol in statuses.SYMBOLS.values():
        text = text.removeprefix(symbol).strip()
    return lookups.status_words.get(" ".join(text.split()))


def parse_reason_code(row, text):
    """A kind of change by its code or its words ("law_amended" or "law amended")."""
    text = text.strip().lower()
    if not text:
        return ""
    by_words = {code.label: code.value for code in statuses.ReasonCode}
    code = text if text in statuses.ReasonCode.values else by_words.get(text)
    if code is None:
        row.error(
            "reason_code",
            f"unknown kind of change “{text[:40]}”; use one of "
            + ", ".join(statuses.ReasonCode.values)
            + " (or leave it blank for the kind chosen for the file).",
        )
        return ""
    return code


def _read_country(row, get, lookups):
    country = lookups.countries.get(get["iso2"].upper())
    if not get["iso2"]:
        row.error("iso2", "the country code is empty.")
    elif country is None:
        row.error("iso2", f"unknown country code “{get['iso2']}”.")
    elif get["country"] and get["country"].casefold() != country.name.casefold():
        row.error(
            "country",
            f"“{get['country']}” does not match {country.iso2} ({country.name}); "
            "check that the row has not shifted.",
        )
    return country


def _read_criterion(row, get, lookups):
    criterion = lookups.criteria.get(get["criterion"])
    if not get["criterion"]:
        row.error("criterion", "the criterion code is empty.")
    elif criterion is None:
        row.error("criterion", f"unknown criterion code “{get['criterion']}”.")
    elif get["framework"] and get["framework"].casefold() not in {
        criterion.framework.code.casefold(),
        criterion.framework.short_name.casefold(),
        criterion.framework.name.casefold(),
    }:
        row.error(
            "framework",
            f"“{get['framework']}” does not match {criterion.code}, which belongs to "
            f"{criterion.framework.short_name}.",
        )
    return criterion


def _read_status(row, get, lookups):
    status = parse_status(get["status"], lookups)
    if status is None:
        allowed = ", ".join(s.value for s in statuses.Status)
        row.error("status", f"“{get['status']}” is not a status; use one of {allowed}.")
    return status


def _read_as_of(row, get):
    as_of, implied = parse_as_of(get["as_of"])
    if as_of is None and get["as_of"]:
        row.error(
            "as_of",
            f"“{get['as_of']}” is not a date; write it as YYYY-MM-DD (or YYYY-MM, or YYYY).",
        )
    precision = get["as_of_precision"].lower() or implied
    if precision not in Assessment.AsOfPrecision.values:
        row.error("as_of_precision", f"“{precision}” is not one of day, month, year.")
    elif as_of and PRECISION_RANK[precision] > PRECISION_RANK[implied]:
        row.error(
            "as_of_precision",
            f"“{get['as_of']}” gives no {precision}; use “{implied}” or a full date.",
        )
    return as_of, precision


def _read_grade(row, get):
    grade = parse_grade(get["evidence_grade"])
    if grade is None:
        row.error("evidence_grade", f"“{get['evidence_grade']}” is not one of A, B, C, D.")
    return grade


def _read_source(row, get, lookups):
    """The cited Source, or None; a title not known yet is created when the import is applied."""
    if not get["source"]:
        return None
    row.source_title = get["source"]
    source = lookups.sources.get(get["source"])
    row.new_source = source is None
    if len(get["source"]) > Source._meta.get_field("title").max_length:
        row.error("source", "the source title is longer than 500 characters.")
    return source


def _read_provisions(row, get, country, lookups):
    provisions = []
    for text in long_format.split_provisions(get["provisions"]):
        provision = lookups.provisions.get((country.pk, text)) if country else None
        if provision is None and country is not None:
            row.error(
                "provisions",
                f"“{text}” is not a provision recorded for {country.name}; write it as "
                "“Instrument title (year), reference” and add the law under Legal "
                "instruments first.",
            )
        provisions.append(provision)
    return provisions


def _read_version(row, get, columns):
    """The cell version the file was made from (None when the file has no version column)."""
    if "version" not in columns or not get["version"]:
        return None
    if not get["version"].isdigit():
        row.error("version", f"“{get['version']}” is not a version number.")
        return None
    return int(get["version"])


def _placeholder_source(title):
    """A Source not saved yet, so the preview's diff can name a source the import will create."""
    return Source(pk=0, title=title)


def _outcome(row, check):
    """Copy `workflow.preview`'s verdict on the row's values into the row."""
    for name, message in check.problems:
        row.error("status" if name == "pending" else name, message)
    if check.problems:
        return
    row.changes = check.changes
    row.notes += check.notes
    row.outcome = check.outcome
    if row.new_source and check.proposable:
        row.notes.append(f"creates the new source “{row.source_title}”")


def check_row(line, raw, columns, lookups, author):
    """One data row: read every column, then ask `workflow.preview` what proposing it does."""
    row = RowResult(line=line)
    get = long_format.parse(raw, columns)
    country = _read_country(row, get, lookups)
    criterion = _read_criterion(row, get, lookups)
    if criterion is not None and not criterion.is_leaf:
        row.error(
            "criterion",
            f"{criterion.code} is an article heading; give its sub-paragraphs instead.",
        )
        criterion = None
    status = _read_status(row, get, lookups)
    as_of, precision = _read_as_of(row, get)
    grade = _read_grade(row, get)
    source = _read_source(row, get, lookups)
    provisions = _read_provisions(row, get, country, lookups)
    # The values' own rules are checked now, so a row lists all its problems at once;
    # `workflow.preview` below asks the same rules again with the cell.
    if status is not None:
        cited = source or (_placeholder_source(row.source_title) if row.new_source else None)
        for name, message in rules.cell_value_problems(criterion, None, status, cited, []):
            row.error(name, message)
    if country is None or criterion is None:
        return row
    row.cell = lookups.cells.get((country.pk, criterion.pk))
    if row.cell is None:
        row.error("criterion", f"{country.name} has no cell for {criterion.code}.")
        return row
    version = _read_version(row, get, columns)
    row.reason_code = parse_reason_code(row, get.get("reason_code", ""))
    if row.errors:
        return row
    row.values = {
        "status": status,
        "as_of": as_of,
        "as_of_precision": precision,
        "evidence_grade": grade,
        "note": get["note"],
        "source": source,
    }
    row.provisions = provisions
    trial = (
        dict(row.values, source=_placeholder_source(row.source_title))
        if (row.new_source)
        else row.values
    )
    check = workflow.preview(
        row.cell,
        trial,
        provisions,
        author,
        base_version=version,
        pending=lookups.pending.get(row.cell.pk, []),
    )
    _outcome(row, check)
    return row


def preview(file_name, data, author=None):
    """Check the whole file; never writes. `author` lets it recognise their own pending
    proposals (re-importing a file already proposed changes nothing)."""
    result = Preview(file_name=file_name, sha256=hashlib.sha256(data).hexdigest())
    try:
        rows = read_rows(file_name, data)
        header_line, header, body = split_header(rows)
    except ImportFileError as error:
        result.file_errors.append(str(error))
        return result
    missing = [c for c in COLUMNS if c not in header]
    duplicated = sorted({h for h in header if h and header.count(h) > 1})
    if missing or duplicated:
        problems = []
        if missing:
            problems.append("missing " + ", ".join(missing))
        if duplicated:
            problems.append("repeated " + ", ".join(duplicated))
        result.file_errors.append(
            f"Row {header_line}: wrong columns ({'; '.join(problems)}). The first row after "
            f"any “#” lines must name the columns {','.join(COLUMNS)}."
        )
        return result
    for name in header:
        if name not in COLUMNS + OPTIONAL_COLUMNS:
            result.warnings.append(f"Column “{name or '(blank)'}” is not used and was ignored.")
    if not body:
        result.file_errors.append(f"The file has a header (row {header_line}) but no data rows.")
        return result
    columns = {name: header.index(name) for name in COLUMNS + OPTIONAL_COLUMNS if name in header}
    iso2 = columns["iso2"]
    lookups = Lookups({raw[iso2].strip().upper() for _, raw in body if iso2 < len(raw)})
    seen = {}
    for line, raw in body:
        row = check_row(line, raw, columns, lookups, author)
        if row.cell is not None:
            first = seen.setdefault(row.cell.pk, line)
            if first != line:
                row.errors.insert(
                    0,
                    f"Row {line}, column criterion: duplicate row: {row.label} is already "
                    f"given in row {first}.",
                )
        if row.errors:
            row.outcome = "error"
        result.rows.append(row)
    return result


def apply_import(
    result,
    author,
    reason,
    versions=None,
    reason_code=statuses.ReasonCode.NEW_EVIDENCE,
    public_reason="",
):
    """Propose every new or changed row of a clean preview, all or none. `versions` are the
    cell versions its dry run saw; a cell changed since then refuses the whole file."""
    if not result.ok:
        raise workflow.WorkflowError(result.errors)
    versions = versions or result.versions
    with transaction.atomic():
        sources = {}
        for row in result.to_apply:
            if row.new_source and row.source_title not in sources:
                sources[row.source_title], _ = Source.objects.get_or_create(
                    title=row.source_title,
                    page="",
                    defaults={"note": f"Created by the import of {result.file_name}."},
                )
        changes = []
        for row in result.to_apply:
            values = dict(row.values)
            if row.new_source:
                values["source"] = sources[row.source_title]
            changes.append(
                workflow.Change(
                    assessment=row.cell,
                    base_version=versions.get(str(row.cell.pk), row.cell.version),
                    values=values,
                    provisions=row.provisions,
                    where=f"Row {row.line}",
                    reason_code=row.reason_code,
                )
            )
        return workflow.propose(
            author,
            reason,
            changes,
            kind=ChangeBatch.Kind.IMPORT,
            file_name=result.file_name[:255],
            sha256=result.sha256,
            reason_code=reason_code,
            public_reason=public_reason,
        )


def template_rows():
    """The import template: the long download of every country and criterion, plus `version`."""
    countries = list(Country.objects.order_by("name"))
    iso2_order = [c.iso2 for c in countries]
    header, rows = list(long_format.TEMPLATE_COLUMNS), []
    for framework in Framework.objects.order_by("display_order"):
        matrix = build_summary_matrix(countries, framework.code, detailed=True)
        rows += long_format.long_records(matrix, iso2_order, with_version=True)[1]
    rows.sort(key=lambda r: r[1])  # by country name, each framework's criteria in order
    return header, rows


TEMPLATE_META = {
    "title": "Assessments import template: one row per country x criterion, with the approved "
    "values (the comparison page's long download, plus version)",
    "edit": "status, as_of (YYYY-MM-DD), as_of_precision (day/month/year), evidence_grade "
    "(A-D), source, provisions (Instrument title (year), reference; separated by ;) and note",
    "version": "leave it as it is: it refuses rows changed by someone else since this export",
    "statuses": "met, partial, not_met, reserved, not_assessed",
}
