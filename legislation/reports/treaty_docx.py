"""The treaty record and the published ratings in the Word briefing, in the same words as the
page (`reports/treaty.py` decides what they say; this only lays it out)."""

from legislation import statuses


def treaty_record_docx(document, record, labelled):
    for row in record.dates:
        quality = f"; quality: {row.quality}" if row.quality else ""
        source = f" (source: {row.source}{quality})" if row.source else ""
        labelled(document, row.label.capitalize(), row.text + source)
    for note in record.notes:
        labelled(document, "Note", note)
    document.add_heading("Reservations, declarations and objections", level=3)
    if record.none_on_record:
        checked = "; ".join(f"{name} <{url}>" for name, url in record.sources_checked)
        labelled(
            document,
            "Reservations and declarations",
            f"none found in the sources checked ({checked}). Not finding one here does not "
            f"mean there is none: see <{record.declarations_url}>.",
        )
        return
    for r in record.reservations:
        label = r.get_kind_display().capitalize()
        if r.article_label:
            label += f" ({r.article_label})"
        criteria = ", ".join(c.code for c in r.criteria.all())
        parts = [r.text]
        if criteria:
            parts.append(f"Criteria affected: {criteria} ({r.get_extent_display()})")
        parts.append(f"Made: {r.made or 'date not yet found'}")
        parts.append(f"Source: {r.source or 'not recorded'}")
        if r.kind == r.Kind.RESERVATION and criteria:
            parts.append("The ask: withdraw the reservation")
        labelled(document, label, ". ".join(parts))


def reservation_lines_docx(document, lines, labelled):
    if not lines:
        return
    document.add_heading("Reservations that apply", level=2)
    for line in lines:
        for reading in line.reservation_readings:
            labelled(
                document,
                f"{line.criterion.code} {line.criterion.title} ({statuses.label(line.status)})",
                f"A reservation applies: {reading.headline}. {reading.reservation.text} "
                f"{reading.status_note} The ask: {reading.ask}.",
            )


def published_ratings_docx(document, ratings, labelled):
    if not ratings:
        return
    document.add_heading(
        "Published ratings by edition (ICMEC's own findings, not these records' assessment)",
        level=2,
    )
    document.add_paragraph(
        "What ICMEC published for this country in a past edition of its review: context "
        "beside this briefing's cells, never a cell's status, and not counted in any figure."
    )
    for rating in ratings:
        labelled(document, rating.label, f"“{rating.statement}” Source: {rating.source}")
