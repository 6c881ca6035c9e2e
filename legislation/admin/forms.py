"""Forms the editors' workspace uses: every save asks why; locked and proposed saves say so."""

from django import forms
from django.utils import timezone

from legislation.editorial import evidence, workflow
from legislation.editorial.reasons import ReasonCodeFields
from legislation.models import (
    Assessment,
    Country,
)
from legislation.statuses import EvidenceGrade, ReasonCode

CHANGE_REASON_HELP = (
    "Required. Say what changed and why, e.g. “Penal Code amended 2024, Art. 293 now covers "
    "simple possession”. It is kept in the history with your name."
)


PROPOSAL_REASON_HELP = (
    CHANGE_REASON_HELP
    + " Saving proposes the change: public pages show it once a Reviewer other than you "
    "approves it."
)


class ChangeReasonForm(forms.ModelForm):
    change_reason = forms.CharField(
        label="Reason for this change",
        max_length=250,
        help_text=CHANGE_REASON_HELP,
        widget=forms.TextInput(attrs={"size": 80}),
    )


class LockedChangeReasonForm(ChangeReasonForm):
    """Optimistic locking for records without a version number: the form carries the newest
    history entry it was opened on, and a save on top of a newer one is refused, naming it."""

    seen_history = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            latest = self._latest()
            self.fields["seen_history"].initial = latest.history_id if latest else None

    def _latest(self):
        return (
            self._meta.model.history.filter(id=self.instance.pk)
            .select_related("history_user")
            .order_by("-history_id")
            .first()
        )

    def clean(self):
        cleaned = super().clean()
        # Browsers always send the field; a client that leaves it out is not checked.
        if not self.instance.pk or "seen_history" not in self.data:
            return cleaned
        model = self._meta.model
        # Inside the admin's transaction: held until the save, so no one can slip in between.
        model._default_manager.select_for_update().filter(pk=self.instance.pk).first()
        latest = self._latest()
        if latest and latest.history_id != cleaned.get("seen_history"):
            who = latest.history_user or "the reference data loader"
            when = timezone.localtime(latest.history_date).strftime("%Y-%m-%d %H:%M")
            raise forms.ValidationError(
                f"{who} changed this record on {when} (“{latest.history_change_reason or ''}”) "
                "after you opened it. Your change was not saved; reload the page to see "
                "theirs, then make yours again if it is still needed."
            )
        return cleaned


class ProposalFormMixin:
    """Optimistic locking for a form that edits one cell: it carries the version the editor
    opened, and validation (inside the admin's transaction, with the cell locked) refuses the
    save if the cell changed meanwhile or someone else's change to it awaits review."""

    user = None  # set by the admin's get_form / get_formset

    def check_proposal(self, cleaned, *, lock=True):
        """`workflow.preview` of the edit: the same checks as an import and `propose()`.
        Status and source are also checked by the model's own clean, so only the problems
        it cannot see (provisions, versions, pending proposals) are added here."""
        pk = self.instance.pk
        if not pk:
            return  # every cell exists already; the admin never adds one
        if not lock:
            cell, pending, base_version = self.instance, [], None
        else:
            cell = workflow.lock_cells([pk])[pk]
            pending = workflow.pending_by_cell([pk], lock=True).get(pk, [])
            base_version = cleaned.get("base_version")
        values = {name: cleaned.get(name) for name in workflow.VALUE_FIELDS}
        provisions = list(cleaned.get("provisions") or [])
        check = workflow.preview(
            cell, values, provisions, self.user, base_version=base_version, pending=pending
        )
        for name, message in check.problems:
            if name in workflow.NOT_A_VALUE:
                self.add_error(None, message)
            elif name == "provisions":
                self.add_error(name, message[0].upper() + message[1:])

    def proposed_change(self):
        cleaned = self.cleaned_data
        return workflow.Change(
            assessment=self.instance,
            base_version=cleaned["base_version"],
            values={name: cleaned[name] for name in workflow.VALUE_FIELDS},
            provisions=list(cleaned.get("provisions") or []),
        )


class AssessmentInlineForm(ProposalFormMixin, forms.ModelForm):
    base_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    class Meta:
        model = Assessment
        fields = list(Assessment.value_names())
        widgets = {"note": forms.Textarea(attrs={"rows": 2, "cols": 30})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["base_version"].initial = self.instance.version
        # 26 rows side by side: the grade letters alone keep the table within the screen;
        # the column's help text spells them out.
        grade = self.fields["evidence_grade"]
        grade.choices = [("", "—"), *((g.value, g.value) for g in EvidenceGrade)]
        grade.help_text = "; ".join(g.label for g in EvidenceGrade)
        # A tabular row has no visible label per field; its column heading is the label, and
        # each field's accessible name says which criterion and which column it is.
        if self.instance.pk:
            code = self.instance.criterion.code
            for field in self.fields.values():
                # The admin wraps related fields' widgets; the wrapper's copy shares its attrs
                # with the class-level widget, so naming it would leak the name into the next
                # row (and the next request). The wrapped widget is this form's own copy.
                widget = getattr(field.widget, "widget", field.widget)
                widget.attrs["aria-label"] = f"{code}: {field.label}"

    def clean(self):
        cleaned = super().clean()
        # Only cells the editor touched are checked (and locked): the page has 26 of them.
        self.check_proposal(cleaned, lock=self.has_changed() and not self.errors)
        return cleaned


class CountryChangeForm(ChangeReasonForm):
    reason_code = ReasonCodeFields.base_fields["reason_code"]
    public_reason = ReasonCodeFields.base_fields["public_reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["change_reason"].help_text = PROPOSAL_REASON_HELP

    class Meta:
        model = Country
        fields = ["name"]  # every country field is read-only; the form carries the reason


class AssessmentForm(ProposalFormMixin, ChangeReasonForm):
    base_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason_code = ReasonCodeFields.base_fields["reason_code"]
    public_reason = ReasonCodeFields.base_fields["public_reason"]
    # Set by the history revert view: the provisions the chosen past version cited, which
    # the form must offer instead of today's (the instance's own m2m reads today's).
    historical_provisions = None

    class Meta:
        model = Assessment
        fields = ["country", "criterion", *Assessment.value_names()]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["change_reason"].help_text = PROPOSAL_REASON_HELP
        # Read from the database, not the instance: when reverting, the instance is the old
        # historical value, but the change is made on top of the current version.
        if self.instance.pk:
            self.fields["base_version"].initial = (
                Assessment.objects.filter(pk=self.instance.pk)
                .values_list("version", flat=True)
                .first()
            )
        if self.historical_provisions is not None and not self.is_bound:
            self.initial["provisions"] = list(self.historical_provisions)

    def clean(self):
        cleaned = super().clean()
        self.check_proposal(cleaned, lock=not self.errors)
        return cleaned


EVIDENCE_REASON_HELP = (
    CHANGE_REASON_HELP
    + " If an approved cell cites this record, saving proposes the change: public pages keep "
    "the current values until a Reviewer other than you approves it."
)


class EvidenceChangeForm(LockedChangeReasonForm):
    """The stale-save check of `LockedChangeReasonForm`, made by the evidence service so that it
    also refuses a record with someone else's change awaiting review, under the same lock."""

    user = None  # set by the admin's get_form

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["change_reason"].help_text = EVIDENCE_REASON_HELP

    def proposed_values(self):
        cleaned = self.cleaned_data
        values = {}
        for f in evidence.value_fields(self._meta.model):
            if f.name in cleaned:
                value = cleaned[f.name]
                values[f.attname] = value.pk if f.is_relation and value is not None else value
        return values

    def clean(self):
        # Skips LockedChangeReasonForm.clean on purpose: the check below replaces it.
        cleaned = super(LockedChangeReasonForm, self).clean()
        if not self.instance.pk or self.errors:
            return cleaned
        model = self._meta.model
        # Inside the admin's transaction: held until the save, so no one can slip in between.
        record = model._default_manager.select_for_update().get(pk=self.instance.pk)
        seen = cleaned.get("seen_history")
        for message in evidence.refusals(record, self.user, seen, self.proposed_values()):
            self.add_error(None, message)
        return cleaned


class ReviewCommentForm(forms.Form):
    comment = forms.CharField(
        label="Comment for the author",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text="Required when rejecting: say what is wrong so the author can fix it.",
    )


class RevertBatchForm(ReasonCodeFields):
    """Why a batch is reverted: the internal reason, and the kind of change with its public
    reason as every proposal asks them. A revert usually corrects our own record, so "error
    corrected" is offered first; a law repealed again or a reading withdrawn is coded as such."""

    reason = forms.CharField(
        label="Reason (kept in the history with your name)",
        max_length=250,
        widget=forms.TextInput(attrs={"size": 80}),
    )
    field_order = ["reason", "reason_code", "public_reason"]

    def __init__(self, *args, batches=(), **kwargs):
        names = "; ".join(f"#{b.pk} ({b.reason})" for b in batches)
        initial = {
            "reason": f"Revert of batch {names}"[:250],
            "reason_code": ReasonCode.ERROR_CORRECTED,
        }
        super().__init__(*args, initial=initial, **kwargs)
