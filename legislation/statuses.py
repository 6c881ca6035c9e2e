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


# A symbol that differs in shape, not only in colour, for each status.
SYMBOLS = {
    Status.MET: "✔",
    Status.PARTIAL: "◐",
    Status.NOT_MET: "✘",
    Status.RESERVED: "⊘",
    Status.NOT_ASSESSED: "?",
}

# Sorting a column by status puts the best-covered first and unknowns last, never among gaps.
SORT_ORDER = {
    Status.MET: 0,
    Status.PARTIAL: 1,
    Status.RESERVED: 2,
    Status.NOT_MET: 3,
    Status.NOT_ASSESSED: 4,
}

# The one order statuses are listed in, on every page, key, table and file: SORT_ORDER's.
# (When legislation/rules.py lands with the status order, this should read it from there.)
IN_ORDER = tuple(sorted(Status, key=SORT_ORDER.__getitem__))

ASSESSED = frozenset(s for s in Status if s != Status.NOT_ASSESSED)
GAPS = frozenset({Status.NOT_MET, Status.PARTIAL})


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
