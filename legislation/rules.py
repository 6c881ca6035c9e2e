"""The rules that decide what a page, a download, a figure or a report says about cells.

Pure functions over statuses: no database, no templates. Every view asks these, so that an
article, a country summary or a figure can never read differently in two places, and never
reads as known what has not been assessed.
"""

from dataclasses import dataclass

from legislation.statuses import ASSESSED, Status, Sufficiency, as_status, label

# Best covered first, unknown last: lists, legends and sorting never put "not assessed" among
# the gaps.
STATUS_ORDER = (Status.MET, Status.PARTIAL, Status.RESERVED, Status.NOT_MET, Status.NOT_ASSESSED)
SORT_ORDER = {status: rank for rank, status in enumerate(STATUS_ORDER)}

# A known shortfall: what a gap report lists and an advocate asks to close. A reservation is
# shown apart (the ask differs: withdraw it) and "not assessed" is never a gap.
GAPS = frozenset({Status.NOT_MET, Status.PARTIAL})

ICMEC_SUFFICIENT_AT = 4  # ICMEC: legislation meeting at least four of the five criteria


def sort_rank(status):
    return SORT_ORDER[as_status(status)]


def cell_status(cell):
    """A cell's status; a missing cell (no record yet) is not assessed."""
    return as_status(cell.status) if cell is not None else Status.NOT_ASSESSED


def is_gap(status):
    return Status(status) in GAPS


def gap_answer(status):
    """Is this cell a gap? "yes", "no", or "not assessed": unknown is never "no gap"."""
    status = Status(status)
    if status not in ASSESSED:
        return "not assessed"
    return "yes" if status in GAPS else "no"


def count_met_assessed(statuses):
    """(met, assessed) among these statuses."""
    met = assessed = 0
    for status in statuses:
        if status == Status.MET:
            met += 1
        if status in ASSESSED:
            assessed += 1
    return met, assessed


def sufficiency(met, assessed, total):
    """ICMEC's "sufficient" flag: yes, no, or not yet known while unassessed cells could tip it."""
    if met >= ICMEC_SUFFICIENT_AT:
        return Sufficiency.YES
    if met + (total - assessed) < ICMEC_SUFFICIENT_AT:
        return Sufficiency.NO
    return Sufficiency.UNKNOWN


# Printed on every page with article columns, so readers know what an article's status means.
ROLLUP_RULE = (
    "Every sub-paragraph met → met.",
    "Every sub-paragraph assessed, only met and reserved → reserved (met except where a "
    "permitted reservation applies).",
    "Every sub-paragraph assessed, any met or partial → partial; otherwise → not met.",
    "While some sub-paragraphs are not yet assessed, the article reads partial only when that "
    "holds whatever they turn out to be (a sub-paragraph is partial, or one is met and another "
    "not met); otherwise it reads not assessed, with how many are assessed, and “gap found” "
    "when an assessed sub-paragraph is not met or partial.",
)


@dataclass(frozen=True, slots=True)
class RollUp:
    """An article's status from its sub-paragraphs, and how much of it is known."""

    status: Status
    assessed: int
    total: int
    gap_found: bool

    @property
    def partly_assessed(self):
        return 0 < self.assessed < self.total

    @property
    def detail(self):
        """ "gap found, 1 of 6 assessed": shown beside a status that is not fully known."""
        if not self.partly_assessed:
            return ""
        known = f"{self.assessed} of {self.total} assessed"
        return f"gap found, {known}" if self.gap_found else known

    @property
    def text(self):
        """Symbol and words, e.g. "? not assessed (gap found, 1 of 6 assessed)"."""
        detail = self.detail
        return f"{label(self.status)} ({detail})" if detail else label(self.status)

    @property
    def export_text(self):
        """The stored value, with the reading when partly assessed, for the wide download."""
        detail = self.detail
        return f"{self.status.value} ({detail})" if detail else self.status.value


def _complete_rollup(present):
    """The article status once every sub-paragraph is assessed (`present`: their statuses)."""
    if present == {Status.MET}:
        return Status.MET
    if present <= {Status.MET, Status.RESERVED}:
        return Status.RESERVED
    if present & {Status.MET, Status.PARTIAL}:
        return Status.PARTIAL
    return Status.NOT_MET


def roll_up(statuses):
    """The RollUp of an article from its sub-paragraphs' statuses (ROLLUP_RULE).

    With sub-paragraphs unassessed, a status is given only when it holds for every way they
    could turn out: they could each be met or not met, so only "partial" can be certain
    (a known partial, or a known met beside a known not met). tests/test_rules.py proves this
    against every completion of every article.
    """
    statuses = [Status(s) for s in statuses]
    known = {s for s in statuses if s in ASSESSED}
    assessed = sum(1 for s in statuses if s in ASSESSED)
    gap_found = bool(known & GAPS)
    if not statuses or not known:
        status = Status.NOT_ASSESSED
    elif assessed == len(statuses):
        status = _complete_rollup(known)
    elif Status.PARTIAL in known or {Status.MET, Status.NOT_MET} <= known:
        status = Status.PARTIAL
    else:
        status = Status.NOT_ASSESSED
    return RollUp(status, assessed, len(statuses), gap_found)


def cell_value_problems(criterion, country_id, status, source, provisions):
    """[(field, message)] for values no cell may hold: a value on an article heading, a
    reservation the Convention does not allow, an assessed status without a source,
    another country's provisions. `Assessment.clean` asks the same."""
    problems = []
    if criterion is not None and not criterion.is_leaf:
        problems.append(
            ("criterion", f"{criterion.code} is an article heading; assess its sub-paragraphs.")
        )
    if criterion is not None and status == Status.RESERVED and not criterion.allows_reservation:
        # Also refused where the Convention allows a reservation to only part of the
        # criterion: the rest of the offence stays in force (Criterion.reserved_refusal).
        problems.append(("status", criterion.reserved_refusal()))
    if status in ASSESSED and source is None:
        label = Status(status).label
        problems.append(("source", f"missing source: an assessed status ({label}) needs a source."))
    foreign = [p for p in provisions if p is not None and p.instrument.country_id != country_id]
    if foreign:
        problems.append(
            (
                "provisions",
                "these provisions belong to another country's law: "
                + "; ".join(p.citation() for p in foreign),
            )
        )
    return problems
