"""The facts gathered from published sources in December 2026 (`data/ADDITIONS.md`), read into
the shapes `reference_data.load_reference_data` loads: Lanzarote dates and notes per Party,
reservations, declarations and objections, ICMEC's per-country statements by edition, the
ASEAN review's findings as seed cells, statutes on record, and ICMEC's figures by edition.

Every value keeps the source it came from. Nothing is inferred beyond what a row states; where
the mapping to the app's criteria is ours, it lives in a data file with its reason
(`lanzarote_reservation_criteria.csv`, `statutes_text_language.csv`).
"""

import datetime
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from legislation.models import (
    Criterion,
    Framework,
    PublishedFigure,
    Source,
    TreatyParticipation,
    TreatyReservation,
)
from legislation.models.published import ordinal

# simple_history keeps a change reason in 100 characters.
REASON_LENGTH = 100
# Publishers named in reasons and notes, by the host of their link: words for the public.
PUBLISHERS = {
    "finlex.fi": "the Finnish treaty series (Finlex)",
    "coe.int": "the Council of Europe",
    "crin.org": "the CRIN news archive",
    "verdragenbank.overheid.nl": "the Dutch treaty database",
    "global-regulation.com": "a translation of the national approval law",
    "distantreader.org": "Rahamathulla (2021), a review of ASEAN laws",
    "wikipedia.org": "an encyclopaedia",
    "wiki.li": "an encyclopaedia mirror",
    "iiab.me": "an encyclopaedia mirror",
    "grandeenciclopedia.com": "an encyclopaedia mirror",
}
URL_RE = re.compile(r"https?://[^\s;,)]+")
DEPOSITS = {
    "ratification deposited": "ratification",
    "acceptance deposited": "acceptance",
    "approval deposited": "approval",
}
# The file repeats a source with "same" / "same sentence" instead of copying it.
SAME = {"same", "same sentence"}
Quality = TreatyParticipation.DateQuality


def publishers(text):
    """The publishers behind the links in a source text, in order, each named once."""
    names = []
    for url in URL_RE.findall(text):
        host = (urlsplit(url).hostname or "").removeprefix("www.")
        name = next((n for h, n in PUBLISHERS.items() if host.endswith(h)), host)
        if name and name not in names:
            names.append(name)
    return names


def reason(what, source_text):
    """ "<what> from <publishers>", within the length the history keeps."""
    names = publishers(source_text)
    text = f"{what} from {' and '.join(names)}" if names else what
    if len(text) > REASON_LENGTH:
        text = text[: REASON_LENGTH - 1].rsplit(" ", 1)[0] + "…"
    return text


def reason_for_source(what, source):
    """A reason naming a Source record's publisher (by its link, else as recorded)."""
    names = publishers(source.url) if source.url else []
    return reason(f"{what} from {names[0] if names else source.publisher or source.title}", "")


def cited(row):
    """A row's link and locator as one source line: "<url> (<where on the page>)"."""
    locator = row.get("source_locator", "")
    return f"{row['source_url']} ({locator})" if locator else row["source_url"]


def with_same_resolved(rows):
    previous = {}
    for row in rows:
        row = {k: previous.get(k, v) if v in SAME else v for k, v in row.items()}
        previous = row
        yield row


# ---------------------------------------------------------------------------------------------
# Lanzarote dates


def date_quality(reliability):
    """The file's own reliability words as a per-date quality."""
    if "derived" in reliability:
        return Quality.DERIVED
    if reliability.startswith("high"):
        return Quality.OFFICIAL
    return Quality.SECONDARY


def overall_quality(qualities, fallback):
    """The record's summary quality from the quality of each date it holds."""
    qualities = {q for q in qualities if q}
    if not qualities:
        return fallback
    if qualities == {Quality.OFFICIAL}:
        return Quality.OFFICIAL
    if Quality.OFFICIAL in qualities:
        return Quality.MIXED
    if qualities == {Quality.DERIVED}:
        return Quality.DERIVED
    return Quality.SECONDARY


def date_additions(rows):
    """iso2 → {field: (date, source, quality)}, plus "ratified_as" and "notes"."""
    by_party = {}
    for row in with_same_resolved(rows):
        party = by_party.setdefault(row["iso2"], {"notes": []})
        if not row["date"]:
            # A constraint, not a date: kept as a note with its source, never as a date.
            party["notes"].append(
                f"{row['event'][:1].upper()}{row['event'][1:]}: “{row['date_type_as_in_source']}” "
                f"({cited(row)})."
            )
            continue
        name = "in_force" if row["event"] == "entry into force" else "ratified"
        if name == "ratified":
            party["ratified_as"] = DEPOSITS[row["event"]]
        party[name] = (
            datetime.date.fromisoformat(row["date"]),
            cited(row),
            date_quality(row["reliability"]),
        )
    return by_party


def listing_values(row):
    yes = {"Ja": True, "Nee": False}
    return {
        "declarations_listed": yes.get(row["reservation_or_declaration_as_in_source"]),
        "objections_listed": yes.get(row["objections_as_in_source"]),
        "listing_source": f"{cited(row)}. {row['note']}",
    }


def participation_values(row, additions, listing):
    """The record one `lanzarote_parties.csv` row describes, with the additions merged in.

    Raises ValueError when two files give different dates for the same step: that is for a
    person to resolve, not for the loader to pick.
    """
    values = {"source": row["source"]}
    base_quality = row["date_source_quality"]
    for name in ("signed", "ratified", "in_force"):
        date = datetime.date.fromisoformat(row[name]) if row[name] else None
        values[name] = date
        values[f"{name}_source"] = row["source"] if date else ""
        values[f"{name}_quality"] = base_quality if date else ""
    added = additions.get(row["iso2"], {"notes": []})
    for name in ("ratified", "in_force"):
        if name not in added:
            continue
        date, source, quality = added[name]
        if values[name] not in (None, date):
            raise ValueError(
                f"{row['iso2']}: {name} is {values[name]} in lanzarote_parties.csv but {date} "
                "in lanzarote_dates_additions.csv"
            )
        values[name], values[f"{name}_source"], values[f"{name}_quality"] = date, source, quality
    values["ratified_as"] = added.get("ratified_as", "")
    values["notes"] = "\n".join(added["notes"])
    values["date_quality"] = overall_quality(
        [values[f"{n}_quality"] for n in ("signed", "ratified", "in_force")], base_quality
    )
    values.update(listing.get(row["iso2"], {}))
    return values


# ---------------------------------------------------------------------------------------------
# Reservations, declarations, objections

KINDS = {
    "reservation": TreatyReservation.Kind.RESERVATION,
    "declaration": TreatyReservation.Kind.DECLARATION,
    "objection": TreatyReservation.Kind.OBJECTION,
}
EFFECTIVE_RE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})")
ISO2_WORD_RE = re.compile(r"\b([A-Z]{2})\b")


def reservation_kind(text):
    """ "objection + declarations" → objection; "reservation (per domestic …)" → reservation."""
    return KINDS[text.split()[0]]


def article_invoked(text):
    return text.removeprefix("Art. ")


def effective_from(text):
    match = EFFECTIVE_RE.match(text)
    if not match:
        return None
    day, month, year = (int(g) for g in match.groups())
    return datetime.date(year, month, day)


@dataclass
class ReservationRow:
    iso2: str
    kind: str
    article: str
    values: dict
    criteria: list  # criterion codes
    objects_to: str  # iso2 of the Party objected to, or ""


def reservation_rows(rows, mapping_rows):
    mapping = {}
    for m in mapping_rows:
        key = (m["iso2"], KINDS[m["kind"]], article_invoked(m["convention_article_invoked"]))
        mapping.setdefault(key, []).append(m)
    for row in rows:
        kind = reservation_kind(row["kind"])
        article = article_invoked(row["convention_article_invoked"])
        mapped = mapping.get((row["iso2"], kind, article), [])
        extents = {m["extent"] for m in mapped}
        if len(extents) > 1:
            raise ValueError(f"{row['iso2']} {article}: one reservation, several extents")
        target = ""
        if kind == TreatyReservation.Kind.OBJECTION:
            target = next(iter(ISO2_WORD_RE.findall(row["provisions_affected"])), "")
        yield ReservationRow(
            iso2=row["iso2"],
            kind=kind,
            article=article,
            values={
                "text": row["short_summary_of_text"],
                "provisions_affected": row["provisions_affected"],
                "extent": extents.pop() if extents else "",
                "made": row["instrument_or_date_as_in_source"],
                "effective_from": effective_from(row["effective_from_as_in_source"]),
                "source": cited(row),
                "reliability": row["reliability"],
            },
            criteria=[m["criterion"] for m in mapped],
            objects_to=target,
        )


# ---------------------------------------------------------------------------------------------
# ICMEC's per-country statements (published ratings by edition)

ICMEC_COLUMNS = {
    "c1_legislation_specific": "ICMEC.1",
    "c2_definition": "ICMEC.2",
    "c3_technology_facilitated": "ICMEC.3",
    "c4_knowing_possession": "ICMEC.4",
    "c5_isp_reporting": "ICMEC.5",
}
EDITION_RE = re.compile(r"^(\d+)(?:st|nd|rd|th)\b")


def edition_number(text):
    match = EDITION_RE.match(text.strip())
    return int(match.group(1)) if match else None


def rating_summary(met, not_met, titles):
    """A few words for what an edition said: "met all five", or which criteria it named."""
    if len(met) == len(ICMEC_COLUMNS):
        return "met all five"
    if not met and not not_met:
        return "no per-criterion detail published"
    parts = [f"{titles[c].lower()} met" for c in met]
    parts += [f"{titles[c].lower()} not met" for c in not_met]
    return "; ".join(parts) + "; other criteria not stated"


def rating_rows(rows, titles):
    for row in rows:
        met = [code for col, code in ICMEC_COLUMNS.items() if row[col] == "yes"]
        not_met = [code for col, code in ICMEC_COLUMNS.items() if row[col] == "no"]
        yield {
            "iso2": row["iso2"],
            "edition": edition_number(row["edition"]),
            "year": int(row["year"]),
            "summary": rating_summary(met, not_met, titles),
            "statement": row["statement_as_in_source"],
            "source": cited(row),
            "reliability": row["reliability"],
            "met": met,
            "not_met": not_met,
        }


# ---------------------------------------------------------------------------------------------
# Seed cells: every published statement of a cell, the newest one winning


@dataclass
class SeedStatement:
    iso2: str
    criterion: str
    status: str
    as_of_year: int
    evidence_grade: str
    source: dict  # Source fields, looked up by title and page
    statement: str  # what the source says, for the cell's note
    citation: str  # the source named in a few words, for other cells' notes


ASEAN_CRITERIA = {"c2": "ICMEC.2", "c4": "ICMEC.4"}
NAMED = "(named in abstract)"


def wepro_statements(rows):
    for row in rows:
        yield SeedStatement(
            iso2=row["iso2"],
            criterion=row["criterion"],
            status=row["status"],
            as_of_year=int(row["as_of_year"]),
            evidence_grade=row["evidence_grade"],
            source={
                "title": row["source"],
                "page": "",
                "publisher": "WePROTECT Global Alliance",
                "year": 2019,
                "url": "",
                "note": "Seed value: the source states this cell directly.",
            },
            statement="",
            citation=f"{row['source']} (as of {row['as_of_year']})",
        )


def asean_statements(rows):
    """Only the countries the study names: a country it does not name is not "met"."""
    for row in rows:
        locator = row["source_locator"]
        title = re.sub(r"\s*\(published [^)]*\)$", "", locator.removeprefix("abstract of "))
        for column, criterion_column in (
            ("definition_statement", "maps_to_1"),
            ("possession_statement", "maps_to_2"),
        ):
            if not row[column].endswith(NAMED):
                continue
            key = re.search(r"\bc(\d)\b", row[criterion_column]).group(0)
            yield SeedStatement(
                iso2=row["iso2"],
                criterion=ASEAN_CRITERIA[key],
                status="not_met",
                as_of_year=2021,
                evidence_grade="C",
                source={
                    "title": title,
                    "page": "abstract",
                    "publisher": "",
                    "year": 2021,
                    "url": row["source_url"],
                    "note": f"How far to trust it: {row['reliability']}",
                },
                statement=(
                    f"Rahamathulla (2021) names {row['country']}: "
                    f"{row[column].removesuffix(NAMED).strip()}. A secondary review of ASEAN "
                    "laws, not an ICMEC rating."
                ),
                citation="Rahamathulla (2021), review of ASEAN legal frameworks (as of 2021)",
            )


def seed_cells(statements):
    """(iso2, criterion) → (the newest statement, its note naming the older ones)."""
    by_cell = {}
    for s in statements:
        by_cell.setdefault((s.iso2, s.criterion), []).append(s)
    result = {}
    for key, found in by_cell.items():
        found.sort(key=lambda s: s.as_of_year, reverse=True)
        newest, older = found[0], found[1:]
        note = [newest.statement] if newest.statement else []
        for s in older:
            label = "not met" if s.status == "not_met" else s.status
            note.append(f"An older source also states “{label}”: {s.citation}.")
        result[key] = (newest, " ".join(note))
    return result


def source_for(fields):
    source, _ = Source.objects.get_or_create(
        title=fields["title"],
        page=fields["page"],
        defaults={k: fields[k] for k in ("publisher", "year", "url", "note")},
    )
    return source


# ---------------------------------------------------------------------------------------------
# Statutes on record

YEAR_RE = re.compile(r"\b(1[89]\d\d|20\d\d)\b")


def instrument_year(title):
    """The first plausible year in an instrument's title (“Act 2000”, “R.S.C. 1985”), or None."""
    match = YEAR_RE.search(title)
    return int(match.group(1)) if match else None


def first_url(text):
    match = URL_RE.search(text)
    return match.group(0) if match else ""


def statute_rows(rows, languages):
    """(iso2, instrument values, provision values) for each statute row."""
    language = {(r["iso2"], r["instrument"]): r["language"] for r in languages}
    for row in rows:
        extent = row["country"]
        instrument = {
            "year": instrument_year(row["instrument"]),
            "language": language.get((row["iso2"], row["instrument"]), ""),
            "note": f"Recorded for: {extent}." if "(" in extent else "",
        }
        provision = {
            "excerpt": row["what_it_says_short"],
            "url": first_url(row["text_location"]),
            "version": row["date_or_version"][:300],
            "location": f"{row['text_location']} [{row['location_type']}]",
            "criteria_reading": row["icmec_criteria_plainly_addressed"],
            "reliability": row["reliability"][:300],
            "note": row["notes"],
        }
        yield row["iso2"], row["instrument"], instrument, row["provision"], provision


# ---------------------------------------------------------------------------------------------
# ICMEC's headline figures by edition

SUFFICIENT_REDEFINED_AT = 7  # ICMEC's 7th edition: "sufficient" = any four or more criteria
FIGURE_COLUMNS = {
    "countries_reviewed": "countries_reviewed",
    "meet_all_5": "all_five",
    "meet_all_but_isp": "all_but_isp",
    "sufficient_total": "sufficient",
    "no_specific_legislation": "no_legislation",
    "no_definition": "no_definition",
    "no_tech_or_computer_facilitated": "no_technology",
    "no_simple_possession": "no_possession",
    "criminalise_simple_possession": "possession",
    "define_csam": "definition",
    "require_isp_reporting": "isp_reporting",
}
# Counts every source gives over all countries reviewed, whatever the edition.
WHOLE_WORLD_FIGURES = {
    "countries_reviewed",
    "all_five",
    "all_but_isp",
    "sufficient",
    "no_legislation",
    "possession",
    "definition",
    "isp_reporting",
}
COUNT_RE = re.compile(r"^\s*(\d+)\s*(?:\((.*)\))?\s*$")
MEANINGS = {
    "countries_reviewed": "Countries reviewed",
    "all_five": "Met all five criteria",
    "all_but_isp": "Met all criteria but ISP reporting",
    "no_legislation": "No legislation specifically addressing CSAM",
    "no_definition": "Do not define CSAM",
    "no_technology": "No technology-facilitated CSAM offences",
    "no_possession": "Do not criminalise simple possession",
    "possession": "Criminalise simple possession",
    "definition": "Define CSAM",
    "isp_reporting": "Require ISP reporting",
}


def sufficiency_rule(figure, edition):
    """Which meaning of "sufficient" a figure uses; an update between editions (no number)
    came before the 7th edition."""
    if figure != "sufficient":
        return ""
    if edition is not None and edition >= SUFFICIENT_REDEFINED_AT:
        return PublishedFigure.SufficiencyRule.FOUR_OR_MORE
    return PublishedFigure.SufficiencyRule.ALL_OR_ALL_BUT_ISP


def sufficient_meaning(rule):
    if rule == PublishedFigure.SufficiencyRule.FOUR_OR_MORE:
        return "Sufficient: meet four or more of the five criteria"
    return "Sufficient: met all criteria, or all but ISP reporting (meaning before the 7th edition)"


def parse_count(text, figure):
    """(value, scope, remark) from a cell such as "54 (of those with specific law)"."""
    match = COUNT_RE.match(text)
    if not match:
        return None  # blank, or "(not found)": nothing was published to load
    value, remark = int(match.group(1)), (match.group(2) or "").strip()
    if "62" in remark:
        return value, "some_but_insufficient", ""
    if "specific law" in remark:
        return value, "with_specific_law", ""
    scope = "all" if figure in WHOLE_WORLD_FIGURES else "unstated"
    return value, scope, remark


def figure_rows(rows):
    """(lookup, values) for every count in `icmec_headline_figures_by_edition.csv`."""
    for row in rows:
        edition = edition_number(row["edition"])
        release = (
            f"{ordinal(edition)} ed." if edition else f"{row['edition']} {row['year_or_date']}"
        )
        for column, figure in FIGURE_COLUMNS.items():
            parsed = parse_count(row[column], figure)
            if parsed is None:
                continue
            value, scope, remark = parsed
            rule = sufficiency_rule(figure, edition)
            scope_words = {
                "with_specific_law": " (among countries with specific legislation)",
                "some_but_insufficient": " (among the 62 with some but not sufficient law)",
                "unstated": " (the source does not say of which countries)",
            }.get(scope, "")
            meaning = sufficient_meaning(rule) if rule else MEANINGS[figure] + scope_words
            note = "; ".join(x for x in (remark and f"reported as “{remark}”", row["other"]) if x)
            yield (
                {"edition": edition, "figure": figure, "scope": scope},
                {
                    "year": int(row["year_or_date"][:4]),
                    "value": value,
                    "meaning": meaning,
                    "source": f"{row['source_url']} ({row['source_locator']})",
                    "release": release,
                    "published": row["year_or_date"],
                    "sufficiency_rule": rule,
                    "reliability": row["reliability"],
                    "note": note,
                },
            )


def base_figure_rows(rows):
    for row in rows:
        edition = int(row["edition"])
        rule = sufficiency_rule(row["figure"], edition)
        yield (
            {"edition": edition, "figure": row["figure"], "scope": row["scope"]},
            {
                "year": int(row["year"]),
                "value": int(row["value"]),
                "meaning": row["meaning"],
                "source": row["source"],
                "release": f"{ordinal(edition)} ed.",
                "published": row["year"],
                "sufficiency_rule": rule,
                "reliability": "",
                "note": "",
            },
        )


def all_figure_rows(base, series):
    """The base file's figures, then each figure of the series the base file lacks.

    A series figure the base file already holds must agree with it (ValueError otherwise)."""
    merged = {}
    for lookup, values in base_figure_rows(base):
        merged[tuple(lookup.values())] = (lookup, values)
    base_values = {(k[0], k[1], v["value"]) for k, (_, v) in merged.items()}
    for lookup, values in figure_rows(series):
        key = tuple(lookup.values())
        if lookup["scope"] == "unstated" and key[:2] + (values["value"],) in base_values:
            continue  # the base file gives the same count with its scope
        if key in merged:
            base_values_of = merged[key][1]
            if base_values_of["value"] != values["value"]:
                raise ValueError(f"published figure {key}: {base_values_of['value']} vs {values}")
            if values["note"] and not base_values_of["note"]:
                base_values_of["note"] = f"{values['note']} (per {values['source']})"
            continue
        merged[key] = (lookup, values)
    return list(merged.values())


def icmec_titles():
    return dict(Criterion.objects.of_framework(Framework.ICMEC).values_list("code", "title"))
