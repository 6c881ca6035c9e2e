"""The rules every view asks (legislation/rules.py): roll-up, sufficiency, gaps, status order.

The roll-up invariant is proven exhaustively: for every article of the Lanzarote criteria as
shipped, every combination of its sub-paragraphs' statuses (not assessed included) is rolled
up, and the result is checked against every way the unassessed ones could turn out.
"""

import csv
import itertools
from pathlib import Path

import pytest

from legislation import rules
from legislation.statuses import ASSESSED, Status, Sufficiency

MET, PARTIAL, NOT_MET = Status.MET, Status.PARTIAL, Status.NOT_MET
RESERVED, UNKNOWN = Status.RESERVED, Status.NOT_ASSESSED
CRITERIA = Path(__file__).resolve().parent.parent / "legislation/data/lanzarote_criteria.csv"


def lanzarote_articles():
    """{article: [may the sub-paragraph be reserved?, ...]} from the shipped criteria."""
    articles = {}
    with CRITERIA.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            articles.setdefault(row["article"], []).append(row["reservable"] == "yes")
    return articles


def possible(r):
    """What one sub-paragraph can be once assessed."""
    return [MET, PARTIAL, NOT_MET] + ([RESERVED] if r else [])


def completions(statuses, reservables):
    """Every way the unassessed sub-paragraphs could turn out, as the set of statuses the
    completed article would hold (a fully assessed article's roll-up depends only on that)."""
    known = frozenset(s for s in statuses if s != UNKNOWN)
    reachable = {known}
    for status, reservable in zip(statuses, reservables, strict=True):
        if status == UNKNOWN:
            reachable = {
                present | {choice} for present in reachable for choice in possible(r=reservable)
            }
    return [sorted(present) for present in reachable]


@pytest.mark.parametrize("article", sorted(lanzarote_articles()))
def test_it_rolls_up_only_what_holds_whatever_the_unassessed_sub_paragraphs_turn_out(article):
    reservables = lanzarote_articles()[article]
    checked = 0
    every_combination = list(itertools.product(*[[*possible(r), UNKNOWN] for r in reservables]))
    for statuses in every_combination:
        rollup = rules.roll_up(statuses)
        complete = {rules.roll_up(c).status for c in completions(statuses, reservables)}
        assessed = sum(1 for s in statuses if s in ASSESSED)
        if rollup.status != UNKNOWN:
            # Known: every completion reads the same.
            assert complete == {rollup.status}, (statuses, rollup)
        elif assessed:
            # Not assessed although some are: the completions really disagree.
            assert len(complete) > 1, (statuses, rollup)
        assert rollup.assessed == assessed and rollup.total == len(statuses)
        # A known shortfall never disappears: a not met or partial sub-paragraph shows.
        assert rollup.gap_found == any(s in rules.GAPS for s in statuses)
        checked += 1
    assert checked == len(every_combination) > 1


@pytest.mark.parametrize(
    "leaves,article",
    [
        ([MET, MET, MET], MET),
        ([UNKNOWN, UNKNOWN], UNKNOWN),
        ([], UNKNOWN),
        ([MET, UNKNOWN], UNKNOWN),  # one met says nothing of the rest: not partial
        ([MET, PARTIAL], PARTIAL),
        ([MET, NOT_MET], PARTIAL),
        ([NOT_MET, NOT_MET], NOT_MET),
        ([NOT_MET, UNKNOWN], UNKNOWN),  # could still be partial: not assessed, gap found
        ([PARTIAL, UNKNOWN], PARTIAL),  # partial whatever the rest is
        ([MET, NOT_MET, UNKNOWN], PARTIAL),
        ([MET, RESERVED], RESERVED),
        ([RESERVED, UNKNOWN], UNKNOWN),
        ([RESERVED], RESERVED),
        ([RESERVED, NOT_MET], NOT_MET),
        ([MET, RESERVED, NOT_MET], PARTIAL),
    ],
)
def test_it_rolls_sub_paragraphs_up_to_the_article(leaves, article):
    assert rules.roll_up(leaves).status == article


def test_it_reads_one_met_sub_paragraph_of_six_as_not_assessed():
    # The Philippines with only L20.1.a met: never "partial".
    rollup = rules.roll_up([MET] + [UNKNOWN] * 5)
    assert rollup.status == UNKNOWN
    assert rollup.text == "? not assessed (1 of 6 assessed)"


def test_it_keeps_a_known_shortfall_visible():
    rollup = rules.roll_up([NOT_MET] + [UNKNOWN] * 5)
    assert rollup.status == UNKNOWN
    assert rollup.detail == "gap found, 1 of 6 assessed"
    assert rollup.export_text == "not_assessed (gap found, 1 of 6 assessed)"


@pytest.mark.parametrize(
    "met,assessed,expected",
    [
        (4, 4, Sufficiency.YES),
        (5, 5, Sufficiency.YES),
        (3, 5, Sufficiency.NO),
        (0, 2, Sufficiency.NO),
        (3, 4, Sufficiency.UNKNOWN),
        (2, 3, Sufficiency.UNKNOWN),
    ],
)
def test_it_keeps_sufficiency_unknown_while_unassessed_cells_could_tip_it(met, assessed, expected):
    assert rules.sufficiency(met, assessed, 5) == expected


def test_it_words_sufficiency_as_yes_no_or_not_yet_known():
    assert [s.label for s in Sufficiency] == ["yes", "no", "not yet known"]


def test_it_never_answers_no_gap_for_an_unassessed_cell():
    assert rules.gap_answer(UNKNOWN) == "not assessed"
    assert rules.gap_answer(NOT_MET) == "yes" and rules.gap_answer(RESERVED) == "no"


def test_it_sorts_unknown_after_every_gap():
    assert rules.STATUS_ORDER[-1] == UNKNOWN
    assert rules.sort_rank(NOT_MET) < rules.sort_rank(UNKNOWN)
