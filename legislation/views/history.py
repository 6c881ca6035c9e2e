"""Who changed what, when, why, and who approved it: per country and per criterion, with the
values as approved on any past date. For editors and reviewers (it names people)."""

from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from legislation import history
from legislation.editorial import workflow
from legislation.models import Assessment, Country, Criterion
from legislation.statuses import Status


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


def _revert_url(change, may_revert):
    """The admin's form for proposing this change undone, for those who may propose."""
    if change.previous_id is None or not may_revert:
        return ""
    return reverse(
        "admin:legislation_assessment_simple_history", args=[change.record.id, change.previous_id]
    )


def _page(request, template, heading, cell_filter, cells, **extra):
    """The change log and, with `?on=`, every cell as it stood at the end of that day (UTC):
    a cell with no record by then reads "not assessed" and nothing else."""
    form = AsOfForm(request.GET or None)
    on = form.cleaned_data["on"] if form.is_valid() else None
    changes = history.changes_between(**cell_filter)
    may_revert = request.user.has_perm(workflow.PROPOSE_PERMISSION)
    entries = [
        {
            "record": c.record,
            "change": c,
            "changes": c.changes,
            "revert_url": _revert_url(c, may_revert),
        }
        for c in changes
    ]
    past = {}
    if on:
        past = {c.pk: c for c in history.cells_at(history.end_of_day(on), **cell_filter)}
    rows = []
    for cell in cells:
        shown = past.get(cell.pk) if on else cell
        recorded = shown is not None
        values = workflow.snapshot(shown) if recorded else workflow.empty_snapshot()
        if values["status"] == Status.NOT_ASSESSED:
            values = workflow.empty_snapshot()  # "not assessed" and nothing else
        rows.append({"cell": cell, "values": values, "existed": recorded})
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
        {"country": country},
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
        {"criterion": criterion},
        cells,
        criterion=criterion,
    )
