"""Who changed what, when, why, and who approved it: per country and per criterion, with the
values as approved on any past date. For editors and reviewers (it names people)."""

import datetime

from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from legislation.editorial import workflow
from legislation.models import Assessment, ChangeProposal, Country, Criterion


class AsOfForm(forms.Form):
    on = forms.DateField(
        label="As approved on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Shows every cell as it stood at the end of that day (YYYY-MM-DD).",
    )

    def clean_on(self):
        on = self.cleaned_data["on"]
        if on and on > timezone.localdate():
            raise forms.ValidationError("Choose a date that is not in the future.")
        return on


def _records(**cell_filter):
    """Every historical record of the chosen cells, with provisions, in three queries."""
    History = Assessment.history.model
    records = list(
        History.objects.filter(**cell_filter)
        .select_related("history_user", "proposed_by", "source", "country", "criterion")
        .order_by("history_date", "history_id")
    )
    Through = History.provisions.model  # the history of the provisions links
    by_record = {}
    if records:
        rows = Through.objects.filter(history__in=[r.history_id for r in records])
        for row in rows.select_related("provision__instrument"):
            by_record.setdefault(row.history_id, []).append(row.provision)
    proposals = ChangeProposal.objects.in_bulk([r.proposal_id for r in records if r.proposal_id])
    for record in records:
        record.values = workflow.snapshot(record, provisions=by_record.get(record.history_id, []))
        record.proposal_obj = proposals.get(record.proposal_id)
    return records


def _build(records, on, user):
    """The change log (newest first) and each cell's value at the end of `on`."""
    previous, entries, as_of = {}, [], {}
    end = None
    if on:
        end = timezone.make_aware(datetime.datetime.combine(on, datetime.time.max))
    may_revert = user.has_perm(workflow.PROPOSE_PERMISSION)
    for record in records:
        before = previous.get(record.id)
        previous[record.id] = record
        if end is None or record.history_date <= end:
            as_of[record.id] = record
        if before is None:
            if record.values["status"] == "not_assessed":
                continue  # the loader creating an empty cell is not news
            changes = workflow.diff(workflow.empty_snapshot(), record.values)
        else:
            changes = workflow.diff(before.values, record.values)
        if not changes:
            continue
        revert_url = ""
        if may_revert and before is not None:
            revert_url = reverse(
                "admin:legislation_assessment_simple_history",
                args=[record.id, before.history_id],
            )
        entries.append({"record": record, "changes": changes, "revert_url": revert_url})
    entries.reverse()
    return entries, as_of


def _page(request, template, heading, records, cells, **extra):
    form = AsOfForm(request.GET or None)
    on = form.cleaned_data["on"] if form.is_valid() else None
    entries, as_of = _build(records, on, request.user)
    rows = []
    for cell in cells:
        record = as_of.get(cell.pk) if on else None
        values = record.values if record else workflow.snapshot(cell)
        rows.append({"cell": cell, "values": values, "existed": bool(record) or not on})
    ctx = {
        "heading": heading,
        "form": form,
        "on": on,
        "entries": entries,
        "rows": rows,
        **extra,
    }
    status = 400 if request.GET and not form.is_valid() else 200
    return render(request, template, ctx, status=status)


@login_required
@permission_required("legislation.view_assessment", raise_exception=True)
def country_history(request, iso2):
    country = get_object_or_404(Country, iso2=iso2.upper())
    cells = (
        Assessment.objects.filter(country=country)
        .select_related("criterion__framework", "source", "country")
        .prefetch_related("provisions__instrument")
        .order_by("criterion__framework__display_order", "criterion__display_order")
    )
    return _page(
        request,
        "legislation/editorial/history_country.html",
        f"History of {country.name}",
        _records(country=country),
        cells,
        country=country,
    )


@login_required
@permission_required("legislation.view_assessment", raise_exception=True)
def criterion_history(request, code):
    criterion = get_object_or_404(Criterion.objects.leaves(), code=code)
    cells = (
        Assessment.objects.filter(criterion=criterion)
        .select_related("criterion__framework", "source", "country")
        .prefetch_related("provisions__instrument")
        .order_by("country__name")
    )
    return _page(
        request,
        "legislation/editorial/history_criterion.html",
        f"History of {criterion.code} {criterion.title}",
        _records(criterion=criterion),
        cells,
        criterion=criterion,
    )
