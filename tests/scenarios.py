"""Shared scenarios: the data set-ups several test modules (and bench/) build, in one place,
instead of test modules importing helpers from one another."""

import csv
import datetime
import io
import itertools
import random
import string

from legislation.editorial import importing
from legislation.models import Assessment, Country, Criterion, Source
from legislation.statuses import Status

from .factories import assess, make_instrument, make_provision, make_source

HOSTILE_NOTE = (
    'Omits drawn images <script>alert("x")</script> =HYPERLINK("http://evil.example","y")'
)


def country(iso2):
    return Country.objects.get(iso2=iso2)


def meets(iso2, code, reference="Art. 12", **kwargs):
    """A peer that meets `code`, citing one provision of its own law."""
    peer = country(iso2)
    cell = assess(peer, code, Status.MET, **kwargs)
    instrument = make_instrument(peer, title=f"{peer.name} Criminal Code", year=2015)
    cell.provisions.add(make_provision(instrument, reference=reference))
    return cell


def philippines_with_gaps():
    """The Philippines with two gaps under ICMEC, one under Lanzarote, one reserved item and
    peers at three distances: Thailand (same sub-region), Japan (same region), UK (elsewhere)."""
    ph = country("PH")
    source = make_source(title="Desk review of the Philippine Anti-OSAEC Act", year=2024)
    act = make_instrument(ph, title="Anti-OSAEC and Anti-CSAEM Act", year=2022)
    met = assess(ph, "ICMEC.1", Status.MET, source=source, note="Specific law since 2022.")
    met.provisions.add(make_provision(act, reference="Sec. 4"))
    partial = assess(
        ph,
        "ICMEC.2",
        Status.PARTIAL,
        source=source,
        note=HOSTILE_NOTE,
        as_of=datetime.date(2024, 3, 1),
    )
    partial.provisions.add(make_provision(act, reference="Sec. 3(c)"))
    assess(ph, "ICMEC.5", Status.NOT_MET, source=source, note="No duty on ISPs to report.")
    assess(ph, "L23", Status.NOT_MET, source=source, note="Grooming needs a physical meeting.")
    assess(
        ph, "L20.1.f", Status.RESERVED, source=source, note="Access through ICT not criminalised."
    )
    meets("GB", "ICMEC.2", reference="s. 1 Protection of Children Act")
    meets("JP", "ICMEC.2", reference="Art. 2(3)")
    meets("TH", "ICMEC.2", reference="s. 1(17) Criminal Code")
    meets("GB", "L23", reference="s. 15 Sexual Offences Act")
    return ph


# Codes no real country uses: ISO alpha-2 and alpha-3 codes are letters only.
_CODE_POOL = [
    a + b
    for a, b in itertools.product(string.digits + string.ascii_uppercase, repeat=2)
    if not (a.isalpha() and b.isalpha())
]


_serial = itertools.count(1)


def unused_codes(n):
    taken = set(Country.objects.values_list("iso2", flat=True))
    iso2 = [code for code in _CODE_POOL if code not in taken][:n]
    taken3 = set(Country.objects.values_list("iso3", flat=True))
    iso3 = [f"{k:03d}" for k in range(1000) if f"{k:03d}" not in taken3][:n]
    assert len(iso2) == len(iso3) == n, "too many synthetic countries for the code pool"
    return zip(iso2, iso3, strict=True)


def assessed_choices(criterion):
    choices = [Status.MET, Status.PARTIAL, Status.NOT_MET]
    if criterion.allows_reservation:
        choices.append(Status.RESERVED)
    return choices


def build_synthetic(n, *, region="Synthregion", subregion="Synth West", seed=1, fill=True):
    """n synthetic countries with every cell of both frameworks assessed (seeded, so repeatable).

    Returns the countries and {(iso2, code): status}, the data an independent count uses.
    """
    source = Source.objects.create(title=f"Synthetic source {next(_serial)}")
    countries = Country.objects.bulk_create(
        [
            Country(
                iso2=iso2,
                iso3=iso3,
                name=f"Synthland {seed}-{region}-{i:04d}",
                region=region,
                subregion=subregion,
                un_status="other",
            )
            for i, (iso2, iso3) in enumerate(unused_codes(n))
        ]
    )
    leaves = list(Criterion.objects.leaves())
    rng = random.Random(seed)
    truth, cells = {}, []
    for country in countries:
        for leaf in leaves:
            status = rng.choice(assessed_choices(leaf)) if fill else Status.NOT_ASSESSED
            truth[(country.iso2, leaf.code)] = status
            cells.append(
                Assessment(
                    country=country,
                    criterion=leaf,
                    status=status,
                    source=source if fill else None,
                    evidence_grade="B" if fill else "",
                )
            )
    Assessment.objects.bulk_create(cells)
    return countries, truth


def rows_of(response):
    """The table's country codes in order, read from the rendered rows."""
    body = response.content.decode()
    table = body.split('id="comparison"', 1)[1].split("</table>", 1)[0]
    rows = table.split("<tbody>", 1)[1].split("<tr>")[1:]
    return [row.split('class="code">', 1)[1].split("<", 1)[0] for row in rows if "code" in row]


HEADER = importing.COLUMNS


NAMES = {"FR": "France", "DE": "Germany", "SG": "Singapore", "PE": "Peru"}


def row(iso2="FR", criterion="ICMEC.1", status="met", **kw):
    values = {
        "iso2": iso2,
        "country": NAMES.get(iso2, ""),
        "framework": "icmec" if criterion.startswith("ICMEC") else "lanzarote",
        "criterion": criterion,
        "status": status,
        "as_of": "2024-06-30",
        "as_of_precision": "day",
        "evidence_grade": "B",
        "source": "Desk review of the French Penal Code 2024",
        "provisions": "",
        "note": "",
    }
    values.update(kw)
    return [values[c] for c in HEADER]


def csv_bytes(rows, header=HEADER, notes=("# exported by the comparison page",)):
    buffer = io.StringIO()
    for note in notes:
        buffer.write(note + "\n")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def inline_post_data(country, changes, reason="Desk review of the 2024 Penal Code"):
    """The country page's form as the browser would send it, with `changes` applied by code."""
    cells = list(
        Assessment.objects.filter(country=country).order_by(
            "criterion__framework__display_order", "criterion__display_order"
        )
    )
    prefix = "assessments"
    data = {
        f"{prefix}-TOTAL_FORMS": len(cells),
        f"{prefix}-INITIAL_FORMS": len(cells),
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 0,
        "change_reason": reason,
        "reason_code": "new_evidence",
    }
    for i, assessment in enumerate(cells):
        values = {"id": assessment.pk, "country": country.pk, "base_version": assessment.version}
        for name in Assessment.scalar_value_names():  # the cell's values, as the form has them
            value = getattr(assessment, Assessment._meta.get_field(name).attname)
            if value is None:
                value = ""
            values[name] = value.isoformat() if hasattr(value, "isoformat") else value
        values.update(changes.get(assessment.criterion.code, {}))
        data.update({f"{prefix}-{i}-{k}": v for k, v in values.items()})
    return data
