"""ICMEC's headline counts edition by edition, as published (never computed here)."""

from dataclasses import dataclass, field

from legislation.models import Framework, PublishedFigure

SERIES_FIGURES = ("countries_reviewed", "sufficient", "all_five", "no_legislation")
NOT_FOUND = "not found"


@dataclass
class SeriesRow:
    release: str
    published: str
    figures: dict = field(default_factory=dict)

    def text(self, name):
        figure = self.figures.get(name)
        return NOT_FOUND if figure is None else str(figure.value)

    @property
    def cells(self):
        return [self.text(name) for name in SERIES_FIGURES]

    @property
    def sufficiency(self):
        figure = self.figures.get("sufficient")
        return figure.get_sufficiency_rule_display() if figure else ""

    @property
    def caveats(self):
        """Figures their own record calls unconfirmed, in the record's words."""
        return [f.meaning for f in self.figures.values() if "not confirmed" in f.meaning]


def published_series():
    """One row per release, oldest first. The "sufficient" figure carries the meaning it was
    counted under: ICMEC redefined the word at its 7th edition, so the column is not one
    consistent measure (one query)."""
    rows = {}
    figures = PublishedFigure.objects.filter(
        framework__code=Framework.ICMEC, figure__in=SERIES_FIGURES, scope="all"
    ).order_by("year", "published", "release")
    for figure in figures:
        row = rows.setdefault(figure.release, SeriesRow(figure.release, figure.published))
        row.figures[figure.figure] = figure
    return list(rows.values())
