"""/changes/: what changed between two days and why, with totals by kind and downloads.

Rows come from `history.changes_between`; like every public view they name no one and show
the public reason only (the staff history pages keep names and internal reasons)."""

from collections import Counter

from django.shortcuts import render
from django.utils import timezone

from legislation import history, statuses
from legislation.exports import spreadsheet as exports
from legislation.site.forms import ChangesForm
from legislation.statuses import ReasonCode

COLUMNS = [
    "date",
    "iso2",
    "country",
    "framework",
    "criterion",
    "criterion_title",
    "old_status",
    "new_status",
    "evidence_changes",
    "reason_code",
    "kind_of_change",
    "public_reason",
]


def record(change):
    """One change as plain text, in COLUMNS order."""
    return [
        change.when.date().isoformat(),
        change.country.code,
        change.country.name,
        change.criterion.framework.short_name,
        change.criterion.code,
        change.criterion.title,
        change.old_status.label,
        change.new_status.label,
        "; ".join(f"{label}: {old} → {new}" for label, old, new in change.evidence_changes),
        change.reason_code,
        change.reason_label,
        change.public_reason,
    ]


def totals_by_reason(found):
    """(label, count) for every kind that occurs, in the kinds' own order."""
    counts = Counter(c.reason_code for c in found)
    known = [(code.label, counts[code.value]) for code in ReasonCode if counts[code.value]]
    unknown = sum(n for code, n in counts.items() if code not in ReasonCode.values)
    return known + ([("not recorded", unknown)] if unknown else [])


def find_changes(form):
    since, until = form.window()
    found = history.changes_between(since, until, **form.cell_filter())
    reason = form.cleaned_data.get("reason")
    # Filtered here, not in the query: the row before a change may have another kind.
    return [c for c in found if c.reason_code == reason] if reason else found


def changes(request):
    form = ChangesForm(request.GET)
    ctx = {"form": form, "status_key": [(s, statuses.SYMBOLS[s]) for s in statuses.Status]}
    if not form.is_valid():
        return render(request, "legislation/site/changes.html", ctx, status=400)
    found = find_changes(form)
    data = form.cleaned_data
    download = data.get("format")
    if download:
        meta = {
            "title": "Child sexual exploitation laws: changes",
            "from": data["from_"].isoformat(),
            "to": data["to"].isoformat(),
            "rows": f"{len(found)} changes",
            "exported_at": timezone.now().isoformat(timespec="seconds"),
        }
        stem = f"changes-{data['from_']:%Y-%m-%d}-to-{data['to']:%Y-%m-%d}"
        return exports.table_download(download, COLUMNS, [record(c) for c in found], stem, meta)
    query = request.GET.copy()
    query.pop("format", None)
    ctx.update(
        changes=found,
        totals=totals_by_reason(found),
        start=data["from_"],
        end=data["to"],
        query=query.urlencode(),
    )
    return render(request, "legislation/site/changes.html", ctx)
