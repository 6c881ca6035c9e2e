"""The regional report: one framework's criteria across several countries."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from legislation import rules, statuses
from legislation.matrix import build_matrix
from legislation.models import (
    Framework,
)
from legislation.reports.profile import provisions_of, source_line
from legislation.rules import GAPS
from legislation.statuses import ASSESSED, Status, cell_as_of

# ---------------------------------------------------------------------------------------------
# Regional / multi-country gap report


@dataclass
class RegionalCountry:
    row: object  # matrix.CountryRow
    statuses: list  # Status per leaf, in the matrix's leaf order

    @property
    def country(self):
        return self.row.country

    @property
    def cells(self):
        """(symbol, word, css class) per leaf: the compact matrix shows the symbol and keeps
        the word for screen readers and tooltips."""
        return [(statuses.symbol(s), s.label, statuses.css_class(s)) for s in self.statuses]

    @property
    def gaps(self):
        return sum(1 for s in self.statuses if s in GAPS)

    @property
    def assessed(self):
        return sum(1 for s in self.statuses if s in ASSESSED)

    @property
    def total(self):
        return len(self.statuses)


@dataclass
class RegionalCriterion:
    criterion: object
    lacking: list  # (Country, Status) not met or partial
    reserved: list  # Country
    met: int
    assessed: int
    total: int


@dataclass
class RegionalReport:
    framework: Framework
    leaves: list
    countries: list  # RegionalCountry, alphabetical (never ranked)
    criteria: list  # RegionalCriterion in display order
    generated_at: datetime.datetime

    @property
    def gap_cells(self):
        return sum(c.gaps for c in self.countries)

    @property
    def assessed_cells(self):
        return sum(c.assessed for c in self.countries)

    @property
    def total_cells(self):
        return sum(c.total for c in self.countries)

    @property
    def countries_with_gaps(self):
        return sum(1 for c in self.countries if c.gaps)

    @property
    def countries_with_any_assessment(self):
        return sum(1 for c in self.countries if c.assessed)

    def long_rows(self):
        """One row per country × criterion, every field as plain text (for CSV/XLSX)."""
        for entry in self.countries:
            row = entry.row
            for leaf in self.leaves:
                cell = row.cells.get(leaf.code)
                status = rules.cell_status(cell)
                assessed = status in ASSESSED
                yield {
                    "iso2": row.country.code,
                    "country": row.country.name,
                    "region": row.country.region,
                    "subregion": row.country.subregion,
                    "framework": self.framework.short_name,
                    "criterion": leaf.code,
                    "criterion_title": leaf.title,
                    "status": status.label,
                    # Unknown is never "no gap": only an assessed cell answers the question.
                    "gap": rules.gap_answer(status),
                    "as_of": cell_as_of(cell) if assessed else "",
                    "evidence_grade": cell.evidence_grade if assessed else "",
                    "source": source_line(cell.source) if assessed else "",
                    "provisions": "; ".join(p.citation() for p in provisions_of(cell))
                    if cell
                    else "",
                    "note": cell.note if cell else "",
                }


def build_regional_report(countries, framework_code, *, now=None, at=None):
    """Countries × criteria of one framework, with who lacks each criterion: 5 queries."""
    countries = sorted(countries, key=lambda c: c.name)
    matrix = build_matrix(countries, framework_code, at=at)
    entries = [
        RegionalCountry(row, [row.status(leaf.code) for leaf in matrix.leaves])
        for row in matrix.rows
    ]
    criteria = []
    for index, leaf in enumerate(matrix.leaves):
        column = [(e.country, e.statuses[index]) for e in entries]
        criteria.append(
            RegionalCriterion(
                criterion=leaf,
                lacking=[(c, s) for c, s in column if s in GAPS],
                reserved=[c for c, s in column if s == Status.RESERVED],
                met=sum(1 for _, s in column if s == Status.MET),
                assessed=sum(1 for _, s in column if s in ASSESSED),
                total=len(column),
            )
        )
    return RegionalReport(
        framework=matrix.framework,
        leaves=matrix.leaves,
        countries=entries,
        criteria=criteria,
        generated_at=now or timezone.now(),
    )
