"""The five statuses a country × criterion cell can have, and how they read without colour.

Every page, export and report takes its symbol, word and sort order from here, so that
"not assessed" can never be shown, sorted or counted as "not met" by accident.
"""

from django.db import models


class Status(models.TextChoices):
    MET = "met", "met"
    PARTIAL = "partial", "partial"
    NOT_MET = "not_met", "not met"
    RESERVED = "reserved", "reserved"
    NOT_ASSESSED = "not_assessed", "not assessed"


_BY_VALUE = {status.value: status for status in Status}


def as_status(value):
    """`Status(value)` for a stored value or a Status, by one dictionary lookup: a page of a few
    hundred countries converts a few thousand cells, and the enum's own call costs more than
    the rest of their handling. Anything else raises Status's own ValueError."""
    try:
        return _BY_VALUE[value]
    except (KeyError, TypeError):
        return Status(value)


# A symbol that differs in shape, not only in colour, for each status.
SYMBOLS = {
    Status.MET: "✔",
    Status.PARTIAL: "◐",
    Status.NOT_MET: "✘",
    Status.RESERVED: "⊘",
    Status.NOT_ASSESSED: "?",
}

ASSESSED = frozenset(s for s in Status if s != Status.NOT_ASSESSED)
# The order statuses sort and list in, and which of them are gaps, are rules: `rules.py`.


class Sufficiency(models.TextChoices):
    """ICMEC's "sufficient" question for one country: yes, no, or not yet known while the
    criteria not yet assessed could still change the answer (`rules.sufficiency`)."""

    YES = "yes", "yes"
    NO = "no", "no"
    UNKNOWN = "unknown", "not yet known"

    @property
    def as_bool(self):
        """True, False, or None when not yet known: for figures that combine such answers."""
        return {Sufficiency.YES: True, Sufficiency.NO: False}.get(self)


def symbol(status):
    return SYMBOLS[Status(status)]


def label(status):
    """Symbol and word together, e.g. "✘ not met": what a cell shows."""
    status = Status(status)
    return f"{SYMBOLS[status]} {status.label}"


def css_class(status):
    return "status-" + Status(status).value.replace("_", "-")


class EvidenceGrade(models.TextChoices):
    A = "A", "A – verified by an in-country lawyer"
    B = "B", "B – desk review of the official text"
    C = "C", "C – secondary source (e.g. the ICMEC review)"
    D = "D", "D – unverified"


class AsOfPrecision(models.TextChoices):
    DAY = "day", "day"
    MONTH = "month", "month"
    YEAR = "year", "year"


AS_OF_UNKNOWN = "date not yet found"  # a missing fact reads "not yet found", never "no"


def format_as_of(date, precision=AsOfPrecision.DAY):
    """An "as of" date at the precision its source gives: "2018", "May 2018", "3 May 2018";
    "date unknown" when none is recorded. Every page, download note and report writes it so."""
    if date is None:
        return AS_OF_UNKNOWN
    if precision == AsOfPrecision.YEAR:
        return f"{date.year}"
    if precision == AsOfPrecision.MONTH:
        return date.strftime("%B %Y")
    return f"{date.day} {date.strftime('%B %Y')}"


def cell_as_of(cell):
    """A cell's (Assessment, proposal, summary or history row) as-of date, as `format_as_of`."""
    return format_as_of(cell.as_of, cell.as_of_precision)


class ReasonCode(models.TextChoices):
    """Why a cell changed, in a word a reader can filter on: a change in the *law* is told
    apart from an improvement of *our record* of it. Chosen by the Editor with every change."""

    LAW_AMENDED = "law_amended", "law amended"
    NEW_EVIDENCE = "new_evidence", "new evidence"
    ERROR_CORRECTED = "error_corrected", "error corrected"
    REINTERPRETATION = "reinterpretation", "reinterpretation"
    METHODOLOGY_CHANGE = "methodology_change", "methodology change"
    FIRST_ASSESSMENT = "first_assessment", "first assessment"


REASON_CODE_HELP = (
    "Law amended: the law itself changed. New evidence: a better or newer reading of the same "
    "law. Error corrected: our record was wrong. Reinterpretation: the same text, read "
    "differently. Methodology change: the criterion or its test changed. First assessment: "
    "the cell had never been assessed."
)
