"""Derive the country reference data from maintained packages.

Run from the repository root:

    .venv/bin/python tools/derive_countries.py

Reads the data file shipped inside the ``country_converter`` package
(``country_converter/country_data.tsv``) with the csv module -- not through
``coco.CountryConverter``, which breaks with pandas 3 -- and cross-checks every
ISO code against ``pycountry``. Writes:

* ``legislation/data/countries.csv``: the 193 UN member states, the two UN
  observer states (Holy See, State of Palestine) and Kosovo: 196 rows, the
  coverage of the ICMEC review.
* ``legislation/data/country_name_patterns.csv``: the package's name pattern
  (a regular expression of common and former names) for each of those countries,
  used by the country search.
* ``legislation/data/country_groups.csv``: memberships of the groups ``coe``,
  ``eu`` and ``global-north``. There is deliberately no ``global-south`` list:
  the app derives it as every country not in ``global-north``.

No country list is typed by hand here: everything comes from the package,
except the few non-EU "Global North" countries named by the WePROTECT Global
Threat Assessment 2019, each written below with a comment citing it.

Deterministic: running it twice gives byte-identical files. Exits non-zero
with a message if any check or count is off.
"""

from __future__ import annotations

import csv
import re
import sys
import unicodedata
from pathlib import Path

import country_converter
import pycountry

REPO = Path(__file__).resolve().parent.parent
DATA_DIR = REPO / "legislation" / "data"
COUNTRIES_CSV = DATA_DIR / "countries.csv"
GROUPS_CSV = DATA_DIR / "country_groups.csv"
# The package's own name patterns (common, short and former names: "UK", "Britain", "Burma",
# "Ivory Coast", "Swaziland" ...), which the country search matches what people type against.
NAME_PATTERNS_CSV = DATA_DIR / "country_name_patterns.csv"
# Same file as shared/data/lanzarote_parties.csv, copied into the app.
LANZAROTE_CSV = DATA_DIR / "lanzarote_parties.csv"
PACKAGE_TSV = Path(country_converter.__file__).resolve().parent / "country_data.tsv"

COUNTRY_COLUMNS = [
    "iso2",
    "iso3",
    "iso_numeric",
    "name",
    "official_name",
    "region",
    "subregion",
    "un_status",
]

# UN M49 regions. country_converter's ``continent`` column says "America"
# where M49 says "Americas"; every other value must already be one of these.
M49_REGIONS = ("Africa", "Americas", "Asia", "Europe", "Oceania")
CONTINENT_TO_M49 = {"America": "Americas"}

# The two UN non-member observer states: Holy See and State of Palestine.
UN_OBSERVERS = ("VA", "PS")
# Kosovo: covered by the ICMEC review, neither a UN member nor an observer.
# "XK" is a user-assigned code (used by the EU, IMF, ...), not an ISO 3166 one;
# it is identified by that code in the package.
OTHER_COVERED = ("XK",)

EXPECTED_COUNTRIES = 196
EXPECTED_UN_MEMBERS = 193
EXPECTED_COE = 46
EXPECTED_EU = 27
EXPECTED_EU28 = 28
EXPECTED_G7 = 7

# "Global North" as defined by the WePROTECT Global Alliance, Global Threat
# Assessment 2019: the G8, all EU member states as of 2019 (EU28), Israel,
# Japan, Singapore, South Korea, Australia, New Zealand, United States, Canada.
# The G8 is the package's G7 column plus Russia, the EU28 part is the package's
# EU28 column. Only the named extras are written as codes here:
GTA_2019_G8_ADDITION = (
    "RU",  # Russia: the G8 = G7 + Russia (WePROTECT GTA 2019, "the G8")
)
GTA_2019_NAMED_EXTRAS = (
    "IL",  # Israel (named in WePROTECT GTA 2019's Global North)
    "JP",  # Japan (named in WePROTECT GTA 2019's Global North)
    "SG",  # Singapore (named in WePROTECT GTA 2019's Global North)
    "KR",  # South Korea (named in WePROTECT GTA 2019's Global North)
    "AU",  # Australia (named in WePROTECT GTA 2019's Global North)
    "NZ",  # New Zealand (named in WePROTECT GTA 2019's Global North)
    "US",  # United States (named in WePROTECT GTA 2019's Global North)
    "CA",  # Canada (named in WePROTECT GTA 2019's Global North)
)

# Lanzarote Parties that are not Council of Europe members: Russia (expelled
# from the CoE in March 2022, still listed as a Party) and Tunisia (a non-member
# State that acceded). Used only for the fallback/cross-check of the CoE list.
LANZAROTE_NON_COE = ("RU", "TN")


class DataError(Exception):
    pass


# The package names the territory ("Vatican", "Palestine"); the UN and the ICMEC review name the
# observer states, and those are the names advocates must see. pycountry's ISO names agree with
# these once its ", State of" inversion is undone, so these two are not invented.
UN_OBSERVER_NAMES = {"VA": "Holy See", "PS": "State of Palestine"}


def check(condition: bool, message: str) -> None:
    if not condition:
        raise DataError(message)


def read_package_rows() -> list[dict[str, str]]:
    with PACKAGE_TSV.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    check(rows, f"no rows read from {PACKAGE_TSV}")
    # Some rows of the package file are shorter than the header: DictReader
    # then fills the missing trailing columns with None. Treat those as empty.
    return [{k: (v or "").strip() for k, v in row.items() if k is not None} for row in rows]


def iso2_of(row: dict[str, str]) -> str:
    """The row's ISO 3166-1 alpha-2 code, confirmed by pycountry.

    The package's ISO2 column holds a regex for a few rows so that EU codes
    also match (Greece: ``^GR$|^EL$``, United Kingdom: ``^GB$|^UK$``). Pick the
    alternative that pycountry gives for the row's ISO3 code.
    """
    raw = row["ISO2"]
    candidates = re.findall(r"[A-Z]{2}", raw) if not re.fullmatch(r"[A-Z]{2}", raw) else [raw]
    check(candidates, f"{row['name_short']!r}: no ISO2 code in {raw!r}")
    pc = pycountry.countries.get(alpha_3=row["ISO3"])
    if pc is None:
        check(
            len(candidates) == 1,
            f"{row['name_short']!r}: ambiguous ISO2 {raw!r} and no pycountry entry to resolve it",
        )
        return candidates[0]
    check(
        pc.alpha_2 in candidates,
        f"{row['name_short']!r}: package ISO2 {raw!r} does not match pycountry {pc.alpha_2}",
    )
    return pc.alpha_2


def sort_key(name: str) -> tuple[str, str]:
    folded = unicodedata.normalize("NFKD", name)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return (folded.casefold(), name)


def build_countries(
    rows: list[dict[str, str]],
) -> tuple[list[dict[str, str]], dict[str, dict[str, str]]]:
    by_iso2: dict[str, dict[str, str]] = {}
    for row in rows:
        if row["obsolete"] or not row["ISO2"]:
            continue  # obsolete entities (Tanganjika, Channel Islands, ...)
        code = iso2_of(row)
        check(code not in by_iso2, f"ISO2 {code} appears twice in the package file")
        by_iso2[code] = row

    members = sorted(code for code, row in by_iso2.items() if row["UNmember"])
    check(
        len(members) == EXPECTED_UN_MEMBERS,
        f"expected {EXPECTED_UN_MEMBERS} UN member states, package gives {len(members)}",
    )
    for code in UN_OBSERVERS + OTHER_COVERED:
        check(code in by_iso2, f"{code} missing from the package file")
        check(not by_iso2[code]["UNmember"], f"{code} unexpectedly marked as a UN member")

    status = {code: "member" for code in members}
    status.update({code: "observer" for code in UN_OBSERVERS})
    status.update({code: "other" for code in OTHER_COVERED})

    countries = []
    for code, un_status in status.items():
        row = by_iso2[code]
        iso3 = row["ISO3"]
        check(re.fullmatch(r"[A-Z]{3}", iso3) is not None, f"{code}: bad ISO3 {iso3!r}")
        pc = pycountry.countries.get(alpha_2=code)
        if code in OTHER_COVERED:
            # Kosovo has no ISO 3166-1 entry (pycountry has none either): keep
            # the package's user-assigned alpha-3 (XKX), but leave iso_numeric
            # blank rather than invent one -- the package's 412 is not an ISO
            # 3166-1 numeric code.
            check(
                pc is None,
                f"{code}: unexpectedly found in pycountry; revisit the Kosovo special case",
            )
            iso_numeric = ""
        else:
            check(pc is not None, f"{code}: not in pycountry")
            check(pc.alpha_3 == iso3, f"{code}: ISO3 {iso3} != pycountry {pc.alpha_3}")
            check(row["ISOnumeric"].isdigit(), f"{code}: bad ISO numeric {row['ISOnumeric']!r}")
            iso_numeric = f"{int(row['ISOnumeric']):03d}"
            check(
                iso_numeric == pc.numeric,
                f"{code}: ISO numeric {iso_numeric} != pycountry {pc.numeric}",
            )

        region = CONTINENT_TO_M49.get(row["continent"], row["continent"])
        check(region in M49_REGIONS, f"{code}: region {row['continent']!r} is not a UN M49 region")
        subregion = row["UNregion"]
        check(bool(subregion), f"{code}: no UN M49 sub-region")
        name = UN_OBSERVER_NAMES.get(code, row["name_short"])
        check(bool(name), f"{code}: no name")

        countries.append(
            {
                "iso2": code,
                "iso3": iso3,
                "iso_numeric": iso_numeric,
                "name": name,
                "official_name": row["name_official"] or name,
                "region": region,
                "subregion": subregion,
                "un_status": un_status,
            }
        )

    countries.sort(key=lambda c: sort_key(c["name"]))
    check(
        len(countries) == EXPECTED_COUNTRIES,
        f"expected {EXPECTED_COUNTRIES} countries, built {len(countries)}",
    )
    for field in ("iso2", "iso3", "name"):
        values = [c[field] for c in countries]
        check(len(set(values)) == len(values), f"duplicate {field} values in countries")
    numerics = [c["iso_numeric"] for c in countries if c["iso_numeric"]]
    check(len(set(numerics)) == len(numerics), "duplicate iso_numeric values in countries")
    regions = {c["region"] for c in countries}
    check(regions == set(M49_REGIONS), f"regions present {sorted(regions)} != {list(M49_REGIONS)}")
    # Every sub-region must sit in exactly one region.
    parent: dict[str, str] = {}
    for c in countries:
        check(
            parent.setdefault(c["subregion"], c["region"]) == c["region"],
            f"sub-region {c['subregion']!r} appears under two regions",
        )
    return countries, by_iso2


def column_members(by_iso2: dict[str, dict[str, str]], column: str) -> set[str]:
    return {code for code, row in by_iso2.items() if row.get(column)}


def build_groups(
    countries: list[dict[str, str]], by_iso2: dict[str, dict[str, str]]
) -> dict[str, set[str]]:
    known = {c["iso2"] for c in countries}

    # Council of Europe: the package's CoE column, if it is right; otherwise the
    # Lanzarote Parties less the two non-member Parties. Cross-check both.
    with LANZAROTE_CSV.open(encoding="utf-8", newline="") as fh:
        lanzarote = {row["iso2"].strip() for row in csv.DictReader(fh)}
    coe_from_lanzarote = lanzarote - set(LANZAROTE_NON_COE)
    coe_from_package = column_members(by_iso2, "CoE")
    if (
        len(coe_from_package) == EXPECTED_COE
        and "RU" not in coe_from_package
        and coe_from_package <= known
    ):
        coe = coe_from_package
        source = "country_converter CoE column"
    else:
        coe = coe_from_lanzarote
        source = f"{LANZAROTE_CSV.name} less {', '.join(LANZAROTE_NON_COE)}"
    print(f"coe: from {source}")
    if coe_from_package != coe_from_lanzarote:
        print(
            "coe: note: package and Lanzarote-derived lists differ: "
            f"package only {sorted(coe_from_package - coe_from_lanzarote)}, "
            f"Lanzarote only {sorted(coe_from_lanzarote - coe_from_package)}"
        )
    else:
        print("coe: package column agrees with Lanzarote Parties less RU, TN")
    check(len(coe) == EXPECTED_COE, f"coe: expected {EXPECTED_COE} members, got {len(coe)}")
    check("RU" not in coe, "coe: Russia must not be a member (expelled 2022)")

    eu = column_members(by_iso2, "EU27")
    check(eu == column_members(by_iso2, "EU"), "eu: package EU and EU27 columns disagree")
    check(len(eu) == EXPECTED_EU, f"eu: expected {EXPECTED_EU} members, got {len(eu)}")
    check("GB" not in eu, "eu: United Kingdom must not be a current EU member")

    eu28 = column_members(by_iso2, "EU28")
    check(len(eu28) == EXPECTED_EU28, f"eu28: expected {EXPECTED_EU28}, got {len(eu28)}")
    check(eu < eu28 and eu28 - eu == {"GB"}, "eu28: should be EU27 plus the United Kingdom")
    g7 = column_members(by_iso2, "G7")
    check(len(g7) == EXPECTED_G7, f"g7: expected {EXPECTED_G7}, got {len(g7)}")
    g8 = g7 | set(GTA_2019_G8_ADDITION)
    check(len(g8) == EXPECTED_G7 + 1, f"g8: expected {EXPECTED_G7 + 1}, got {len(g8)}")
    global_north = g8 | eu28 | set(GTA_2019_NAMED_EXTRAS)
    expected_gn = len(g8 | eu28 | set(GTA_2019_NAMED_EXTRAS))
    check(len(global_north) == expected_gn, "global-north: size mismatch")

    groups = {"coe": coe, "eu": eu, "global-north": global_north}
    for group, members in groups.items():
        unknown = sorted(members - known)
        check(not unknown, f"{group}: codes not in countries.csv: {unknown}")
    return groups


def write_csv(path: Path, fieldnames: list[str], rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fieldnames, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> int:
    try:
        rows = read_package_rows()
        countries, by_iso2 = build_countries(rows)
        groups = build_groups(countries, by_iso2)
    except DataError as exc:
        print(f"derive_countries: ERROR: {exc}", file=sys.stderr)
        return 1

    write_csv(COUNTRIES_CSV, COUNTRY_COLUMNS, countries)
    group_rows = [{"group": g, "iso2": code} for g in sorted(groups) for code in sorted(groups[g])]
    write_csv(GROUPS_CSV, ["group", "iso2"], group_rows)
    patterns = [{"iso2": c["iso2"], "pattern": by_iso2[c["iso2"]]["regex"]} for c in countries]
    for row in patterns:
        try:
            re.compile(row["pattern"], re.IGNORECASE)
        except re.error as exc:
            print(f"derive_countries: ERROR: pattern of {row['iso2']}: {exc}", file=sys.stderr)
            return 1
    write_csv(NAME_PATTERNS_CSV, ["iso2", "pattern"], patterns)

    by_status: dict[str, int] = {}
    for c in countries:
        by_status[c["un_status"]] = by_status.get(c["un_status"], 0) + 1
    print(
        f"source: {PACKAGE_TSV} "
        f"(country_converter {getattr(country_converter, '__version__', '?')})"
    )
    print(
        f"countries: {len(countries)} "
        f"({', '.join(f'{k} {v}' for k, v in sorted(by_status.items()))})"
    )
    for region in M49_REGIONS:
        subs = sorted({c["subregion"] for c in countries if c["region"] == region})
        n = sum(c["region"] == region for c in countries)
        print(f"  {region}: {n} countries, {len(subs)} sub-regions")
    for group in sorted(groups):
        print(f"group {group}: {len(groups[group])}")
    written = (COUNTRIES_CSV, GROUPS_CSV, NAME_PATTERNS_CSV)
    print("wrote " + ", ".join(str(path.relative_to(REPO)) for path in written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
