"""ICMEC-style headline figures computed from the current records, for any set of countries.

Pure: it takes the ICMEC rows of `matrix.build_matrix` (and the published figures, if any)
and touches no database, so tests can check it against a count done by hand.

Every figure says over how many countries it could be decided. A country counts towards a
figure only when its assessed cells settle the question; unassessed cells never count as a
"no". ICMEC's own published 2018 figures are shown beside, never mixed with ours.
"""

from dataclasses import dataclass

from legislation import rules
from legislation.rules import ICMEC_SUFFICIENT_AT
from legislation.statuses import ASSESSED, Status
from legislation.wording import plural

LEGISLATION, DEFINITION, TECHNOLOGY, POSSESSION, ISP = (f"ICMEC.{n}" for n in range(1, 6))
ICMEC_CODES = (LEGISLATION, DEFINITION, TECHNOLOGY, POSSESSION, ISP)

# Our figure key → the (figure, scope) ICMEC published it under (PublishedFigure).
PUBLISHED_AS = {
    "sufficient": ("sufficient", "all"),
    "all_five": ("all_five", "all"),
    "no_legislation": ("no_legislation", "all"),
    "some_but_insufficient": ("some_but_insufficient", "all"),
    f"met:{DEFINITION}": ("definition", "all"),
    f"met:{POSSESSION}": ("possession", "all"),
    f"met:{ISP}": ("isp_reporting", "all"),
    "no_definition": ("no_definition", "some_but_insufficient"),
    "no_technology": ("no_technology", "some_but_insufficient"),
    "no_possession": ("no_possession", "some_but_insufficient"),
}


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    rule: str  # how a country is decided, in words, shown on the page
    value: int  # countries for which it holds
    decided: int  # countries whose records settle it either way
    of: int  # countries in the set (or in the sub-set the figure is "among")
    among: str = ""  # "" = the whole set; else the sub-set's description
    published: object = None  # PublishedFigure, only when comparable (the whole world)

    @property
    def published_sources(self):
        """The published figure's sources, split where the data file joins them with " ; "."""
        if self.published is None:
            return []
        return [part.strip() for part in self.published.source.split(";") if part.strip()]

    @property
    def coverage(self):
        where = f" {self.among}" if self.among else ""
        countries = plural("country", self.decided)
        return f"computed over {self.decided} assessed {countries} of {self.of}{where}"


def _status(row, code):
    return rules.cell_status(row.cells.get(code))


def _counts(row):
    return rules.count_met_assessed(_status(row, code) for code in ICMEC_CODES)


def has_some_legislation(row):
    """True (criterion 1 met or partial), False (not met) or None (not assessed)."""
    status = _status(row, LEGISLATION)
    if status not in ASSESSED:
        return None
    return status != Status.NOT_MET


def is_sufficient(row):
    met, assessed = _counts(row)
    return rules.sufficiency(met, assessed, len(ICMEC_CODES)).as_bool


def is_some_but_insufficient(row):
    some = has_some_legislation(row)
    if some is False:
        return False
    suff = is_sufficient(row)
    if some is None or suff is None:
        return None
    return not suff


def meets_all_five(row):
    met, assessed = _counts(row)
    if met == len(ICMEC_CODES):
        return True
    if assessed > met:  # at least one assessed criterion is not met
        return False
    return None


def _tally(rows, decide):
    decided = [decide(row) for row in rows]
    return sum(1 for d in decided if d is True), sum(1 for d in decided if d is not None)


class _Figures(list):
    """The figures of one set of rows, each tallied as it is added."""

    def __init__(self, rows, published_by):
        super().__init__()
        self.rows, self.published_by = rows, published_by

    def add(self, key, label, rule, decide, subset=None, among=""):
        pool = self.rows if subset is None else subset
        value, decided = _tally(pool, decide)
        published = self.published_by.get(PUBLISHED_AS.get(key))
        self.append(Figure(key, label, rule, value, decided, len(pool), among, published))


def headline_figures(rows, published=(), *, whole_world=True):
    """The figures for these ICMEC rows; `published` figures are attached only for the world."""
    published_by = {(p.figure, p.scope): p for p in published} if whole_world else {}
    figures = _Figures(rows, published_by)
    _add_overall(figures.add)
    _add_per_criterion(figures.add)
    _add_among_insufficient(figures.add, rows)
    return list(figures)


def _add_overall(add):
    add(
        "sufficient",
        f"Sufficient legislation (at least {ICMEC_SUFFICIENT_AT} of the 5 criteria met)",
        f"Decided once {ICMEC_SUFFICIENT_AT} criteria are met, or once too few unassessed "
        "criteria remain to reach 4.",
        is_sufficient,
    )
    add(
        "all_five",
        "All five criteria met",
        "Decided when all five are met, or when any assessed criterion is not met.",
        meets_all_five,
    )
    add(
        "no_legislation",
        "No legislation specific to CSAM (criterion 1 not met)",
        "Decided when criterion 1 is assessed; “partial” counts as some legislation.",
        lambda row: None if has_some_legislation(row) is None else not has_some_legislation(row),
    )
    add(
        "some_but_insufficient",
        "Some legislation, but not sufficient",
        "Criterion 1 met or partial, and fewer than 4 criteria met once every unassessed "
        "criterion is counted in the country's favour.",
        is_some_but_insufficient,
    )


def _add_per_criterion(add):
    for code, title in (
        (LEGISLATION, "Legislation specific to CSAM"),
        (DEFINITION, "Definition of CSAM"),
        (TECHNOLOGY, "Technology-facilitated offences"),
        (POSSESSION, "Simple possession"),
        (ISP, "ISP reporting"),
    ):
        add(
            f"met:{code}",
            f"{code} met: {title}",
            f"Decided when {code} is assessed.",
            lambda row, code=code: (
                None if _status(row, code) not in ASSESSED else _status(row, code) == Status.MET
            ),
        )


def _add_among_insufficient(add, rows):
    subset = [row for row in rows if is_some_but_insufficient(row) is True]
    among = "with some but insufficient legislation"
    for key, code, label in (
        ("no_definition", DEFINITION, "do not define CSAM"),
        ("no_technology", TECHNOLOGY, "no technology-facilitated CSAM offences"),
        ("no_possession", POSSESSION, "do not criminalise simple possession"),
    ):
        add(
            key,
            f"Among those with some but insufficient legislation: {label} ({code} not met)",
            f"Decided when {code} is assessed; partial or reserved count as not met, as in "
            "ICMEC's yes/no review.",
            lambda row, code=code: (
                None if _status(row, code) not in ASSESSED else _status(row, code) != Status.MET
            ),
            subset=subset,
            among=among,
        )
