"""The editors' workspace. Every save of legal data asks why, and the reason lands in history."""

from django import forms
from django.contrib import admin, messages
from django.db import router, transaction
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from legislation import statuses
from legislation.editorial import evidence, workflow
from legislation.editorial.reasons import ReasonCodeFields
from legislation.models import (
    Assessment,
    ChangeBatch,
    ChangeProposal,
    Country,
    CountryGroup,
    Criterion,
    EvidenceProposal,
    Framework,
    LegalInstrument,
    Provision,
    PublishedFigure,
    PublishedRating,
    Source,
    TreatyParticipation,
    TreatyReservation,
)
from legislation.statuses import EvidenceGrade, Status
from legislation.wording import counted, plural

admin.site.site_header = "Child sexual exploitation laws – records"
admin.site.site_title = "Gap analysis admin"
admin.site.index_title = "Records"

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


class ReasonedHistoryAdmin(SimpleHistoryAdmin):
    """Asks for a change reason on every save (reverts included) and records it in history."""

    form = LockedChangeReasonForm

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        # The reason is asked last, after the editor has made the change.
        why = ["reason_code", "change_reason", "public_reason", "seen_history"]
        fields = [f for f in fieldsets[0][1]["fields"] if f not in why]
        present = [f for f in why if f in fieldsets[0][1]["fields"]]
        return [(None, {"fields": fields}), ("Why", {"fields": present})]

    def save_model(self, request, obj, form, change):
        obj._change_reason = form.cleaned_data["change_reason"]
        super().save_model(request, obj, form, change)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # The admin's own change view runs in a transaction; simple-history's revert view
        # does not, and the forms' version checks lock rows (select_for_update), which
        # PostgreSQL refuses outside one.
        with transaction.atomic(using=router.db_for_write(self.model)):
            return super().history_form_view(request, object_id, version_id, extra_context)


class GroupFilter(admin.SimpleListFilter):
    """Groups, with the derived Global South among them."""

    title = "group"
    parameter_name = "group"
    country_path = "country"

    def lookups(self, request, model_admin):
        return [(g.slug, g.name) for g in CountryGroup.objects.all()]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        countries = Country.objects.in_group(self.value())
        if self.country_path:
            return queryset.filter(**{f"{self.country_path}__in": countries})
        return queryset.filter(pk__in=countries)


class CountryGroupFilter(GroupFilter):
    country_path = ""


def status_badge(status):
    return format_html(
        '<span class="status {}">{}</span>', statuses.css_class(status), statuses.label(status)
    )


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
                field.widget.attrs["aria-label"] = f"{code}: {field.label}"

    def clean(self):
        cleaned = super().clean()
        # Only cells the editor touched are checked (and locked): the page has 26 of them.
        self.check_proposal(cleaned, lock=self.has_changed() and not self.errors)
        return cleaned


class AssessmentInline(admin.TabularInline):
    model = Assessment
    form = AssessmentInlineForm
    extra = 0
    max_num = 0  # every cell exists already; editors change them, never add or remove
    can_delete = False
    readonly_fields = ["criterion_link", "pending_change"]
    fields = ["criterion_link", *AssessmentInlineForm.Meta.fields, "pending_change", "base_version"]
    autocomplete_fields = ["source", "provisions"]
    verbose_name = "criterion"
    verbose_name_plural = "Status against every criterion (ICMEC, then Lanzarote)"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("criterion", "criterion__framework", "country", "source")
            .prefetch_related(pending_prefetch())
            .order_by("criterion__framework__display_order", "criterion__display_order")
        )

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = type(formset.form.__name__, (formset.form,), {"user": request.user})
        return formset

    @admin.display(description="criterion")
    def criterion_link(self, obj):
        return format_html("<strong>{}</strong><br>{}", obj.criterion.code, obj.criterion.title)

    @admin.display(description="awaiting review")
    def pending_change(self, obj):
        return pending_summary(obj.pending_list)


def pending_prefetch():
    return Prefetch(
        "proposals",
        queryset=ChangeProposal.objects.pending()
        .select_related("batch__author", "source")
        .prefetch_related("provisions__instrument"),
        to_attr="pending_list",
    )


def diff_list(proposal):
    return diff_html(workflow.diff(proposal.before, workflow.snapshot(proposal)))


def diff_html(changes):
    """[(field, old, new)] as the list of struck-out and inserted values every diff shows."""
    if not changes:
        return "no change"
    return format_html(
        '<ul class="diff">{}</ul>',
        format_html_join(
            "",
            "<li>{}: <del>{}</del> → <ins>{}</ins></li>",
            changes,
        ),
    )


def pending_summary(pending):
    if not pending:
        return "—"
    return format_html_join(
        "",
        "<p>Change #{} by {}:{}</p>",
        ((p.pk, p.batch.author, diff_list(p)) for p in pending),
    )


class CountryChangeForm(ChangeReasonForm):
    reason_code = ReasonCodeFields.base_fields["reason_code"]
    public_reason = ReasonCodeFields.base_fields["public_reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["change_reason"].help_text = PROPOSAL_REASON_HELP

    class Meta:
        model = Country
        fields = ["name"]  # every country field is read-only; the form carries the reason


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    class Media:
        css = {"all": ["legislation/review.css"]}
        js = ["legislation/admin_labels.js"]

    form = CountryChangeForm
    inlines = [AssessmentInline]
    list_display = ["name", "iso2", "iso3", "region", "subregion", "group_list", "assessed"]
    list_filter = ["region", "subregion", CountryGroupFilter]
    search_fields = ["name", "official_name", "iso2", "iso3", "iso_numeric"]
    fields = [
        "name",
        "official_name",
        "iso2",
        "iso3",
        "iso_numeric",
        "region",
        "subregion",
        "un_status",
        "groups",
        "history_link",
        "reason_code",
        "change_reason",
        "public_reason",
    ]
    reference_fields = fields[:-3]

    @admin.display(description="history")
    def history_link(self, obj):
        return format_html(
            '<a href="{}">Who changed what, and the values as approved on any date</a>',
            reverse("legislation:country_history", args=[obj.code]),
        )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related("groups")
            .annotate(
                assessed_count=Count(
                    "assessments", filter=~Q(assessments__status=Status.NOT_ASSESSED)
                )
            )
        )

    def get_readonly_fields(self, request, obj=None):
        # Country facts come from the reference files; editors only edit the cells below.
        return self.reference_fields

    @admin.display(description="groups")
    def group_list(self, obj):
        return ", ".join(g.name for g in obj.groups.all())

    @admin.display(description="cells assessed", ordering="assessed_count")
    def assessed(self, obj):
        return obj.assessed_count

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        pass  # the country's own fields are read-only: only its cells change, as proposals

    def save_formset(self, request, form, formset, change):
        # Nothing is written to the cells: the edited ones become one batch of proposals that
        # reach the public pages when a Reviewer approves them.
        changes = [f.proposed_change() for f in formset.forms if f.has_changed()]
        request.proposal_result = propose_or_report(
            request,
            form.cleaned_data["change_reason"],
            changes,
            reason_code=form.cleaned_data["reason_code"],
            public_reason=form.cleaned_data["public_reason"],
        )

    def render_change_form(self, request, context, *args, **kwargs):
        # A refused cell is far down a long page: the top of the page says which one; the
        # reason itself is printed once, beside the cell.
        for inline in context.get("inline_admin_formsets", []):
            for cell_form in inline.formset.forms:
                if cell_form.is_bound and cell_form.non_field_errors():
                    code = cell_form.instance.criterion.code
                    messages.error(
                        request, f"Nothing was saved: {code} was refused; the reason is beside it."
                    )
        return super().render_change_form(request, context, *args, **kwargs)

    def construct_change_message(self, request, form, formsets, add=False):
        return ""  # the proposals are the record of this save

    def log_change(self, request, obj, message):
        pass

    def response_change(self, request, obj):
        report_proposals(self, request, getattr(request, "proposal_result", None))
        return HttpResponseRedirect(request.path)


def propose_or_report(request, reason, changes, kind=ChangeBatch.Kind.EDIT, **reasons):
    if not changes:
        return None
    try:
        return workflow.propose(request.user, reason, changes, kind=kind, **reasons)
    except workflow.WorkflowError as error:
        # The form's own checks ran under the same locks, so this only reports what they
        # could not see (nothing has been written).
        for message in error.messages:
            messages.error(request, message)
        return None


def report_proposals(model_admin, request, result):
    if result is None or result.batch is None:
        model_admin.message_user(
            request, "Nothing was proposed: no value differs from the approved one.", messages.INFO
        )
        return
    model_admin.message_user(
        request,
        format_html(
            'Proposed {} as <a href="{}">batch #{}</a>. They reach the public pages '
            "once a Reviewer other than you approves them.",
            counted(len(result.proposals), "change"),
            reverse("admin:legislation_changeproposal_changelist")
            + f"?batch={result.batch.pk}&state=all",
            result.batch.pk,
        ),
        messages.SUCCESS,
    )


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


@admin.register(Assessment)
class AssessmentAdmin(ReasonedHistoryAdmin):
    class Media:
        css = {"all": ["legislation/review.css"]}

    form = AssessmentForm
    list_display = [
        "country",
        "criterion_code",
        "status_display",
        "as_of",
        "evidence_grade",
        "source",
        "updated_at",
        "awaiting_review",
    ]
    list_filter = [
        "status",
        ("criterion__framework", admin.RelatedOnlyFieldListFilter),
        "country__region",
        GroupFilter,
        "evidence_grade",
    ]
    list_select_related = ["country", "criterion", "source"]
    search_fields = ["country__name", "country__iso2", "country__iso3", "criterion__code"]
    autocomplete_fields = ["source", "provisions"]
    readonly_fields = [
        "country",
        "criterion",
        "reviewed_by",
        "reviewed_at",
        "version",
        "pending_changes",
        "history_pages",
    ]
    history_list_display = ["status", "proposed_by", "proposal"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        fields = [f for f in fieldsets[0][1]["fields"] if f != "base_version"]
        return [(None, {"fields": [*fields, "base_version"]}), *fieldsets[1:]]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        attrs = {"user": request.user}
        if hasattr(request, "reverting_to"):
            attrs["historical_provisions"] = request.reverting_to
        return type(form.__name__, (form,), attrs)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # Offer the provisions the past version cited, so a revert restores them too.
        request.reverting_to = list(
            Assessment.history.model.provisions.model.objects.filter(
                history_id=version_id, history__id=object_id
            ).values_list("provision_id", flat=True)
        )
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_urls(self):
        from legislation.views import review

        return [
            path(
                "import/",
                self.admin_site.admin_view(review.import_view),
                name="legislation_assessment_import",
            ),
            path(
                "import/template/",
                self.admin_site.admin_view(review.import_template),
                name="legislation_assessment_import_template",
            ),
            *super().get_urls(),
        ]

    def get_queryset(self, request):
        pending = Q(proposals__state=ChangeProposal.State.PENDING)
        return (
            super().get_queryset(request).annotate(pending_count=Count("proposals", filter=pending))
        )

    @admin.display(description="awaiting review", ordering="pending_count")
    def awaiting_review(self, obj):
        if not obj.pending_count:
            return "—"
        return format_html(
            '<a href="{}?state=pending&amp;country={}&amp;q={}">{}</a>',
            reverse("admin:legislation_changeproposal_changelist"),
            obj.country.iso2,
            obj.criterion.code,
            counted(obj.pending_count, "change"),
        )

    @admin.display(description="awaiting review")
    def pending_changes(self, obj):
        return pending_summary(list(obj.proposals.pending().select_related("batch__author")))

    @admin.display(description="history")
    def history_pages(self, obj):
        return format_html(
            '<a href="{}">{} history</a> · <a href="{}">{} history</a>',
            reverse("legislation:country_history", args=[obj.country.code]),
            obj.country,
            reverse("legislation:criterion_history", args=[obj.criterion.code]),
            obj.criterion.code,
        )

    @admin.display(description="criterion", ordering="criterion__display_order")
    def criterion_code(self, obj):
        return obj.criterion.code

    @admin.display(description="status", ordering="status")
    def status_display(self, obj):
        return status_badge(obj.status)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # An edit (or a revert from the history) is a proposal; the cell stays as approved.
        reverting = request.resolver_match.url_name.endswith("_simple_history")
        request.proposal_result = propose_or_report(
            request,
            form.cleaned_data["change_reason"],
            [form.proposed_change()],
            kind=ChangeBatch.Kind.REVERT if reverting else ChangeBatch.Kind.EDIT,
            reason_code=form.cleaned_data["reason_code"],
            public_reason=form.cleaned_data["public_reason"],
        )
        form.save_m2m = lambda: None  # provisions travel with the proposal too

    def save_related(self, request, form, formsets, change):
        pass

    def construct_change_message(self, request, form, formsets, add=False):
        return ""

    def log_change(self, request, obj, message):
        pass  # the proposal and, on approval, the history record are the log

    def response_change(self, request, obj):
        report_proposals(self, request, getattr(request, "proposal_result", None))
        return HttpResponseRedirect(reverse("admin:legislation_assessment_change", args=[obj.pk]))


# --- Evidence: sources, instruments and provisions -------------------------------------------
# A change to a record an approved cell cites is proposed for review (editorial/evidence.py);
# a record nobody cites yet is saved at once. Either way, with its reason in history.

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


class EvidenceReviewAdmin(ReasonedHistoryAdmin):
    """Sources, instruments and provisions: an edit of a cited record becomes a proposal."""

    class Media:
        css = {"all": ["legislation/review.css"]}

    form = EvidenceChangeForm
    history_list_display = ["proposed_by", "evidence_proposal"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "awaiting_review", "cited_by"] if obj is not None else readonly

    @admin.display(description="awaiting review")
    def awaiting_review(self, obj):
        return evidence_pending_summary(evidence.pending_for(obj))

    @admin.display(description="cited by")
    def cited_by(self, obj):
        count = evidence.citing_cells(obj).distinct().count()
        if not count:
            return "no approved cell yet: changes are saved at once"
        return f"{count} approved {plural('cell', count)}: changes need a Reviewer's approval"

    @transaction.atomic
    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # The revert form's checks lock the record, which needs a transaction (PostgreSQL).
        return super().history_form_view(request, object_id, version_id, extra_context)

    def save_model(self, request, obj, form, change):
        if not change:  # a new record: no cell can cite it yet
            super().save_model(request, obj, form, change)
            return
        try:
            request.evidence_submission = evidence.submit(
                request.user,
                obj,
                form.proposed_values(),
                form.cleaned_data["change_reason"],
                form.cleaned_data.get("seen_history"),
            )
        except workflow.WorkflowError as error:
            # The form's checks ran under the same lock, so this reports only what they could
            # not see (nothing has been written).
            request.evidence_submission = None
            for message in error.messages:
                messages.error(request, message)

    def log_change(self, request, obj, message):
        submission = getattr(request, "evidence_submission", None)
        if submission is not None and submission.direct:
            super().log_change(request, obj, message)

    def response_change(self, request, obj):
        submission = getattr(request, "evidence_submission", None)
        if submission is not None and submission.direct:
            return super().response_change(request, obj)
        if submission is not None and submission.proposal is not None:
            self.message_user(
                request,
                format_html(
                    'Proposed as <a href="{}">evidence change #{}</a>: approved cells cite this '
                    "record, so public pages show the change once a Reviewer other than you "
                    "approves it.",
                    reverse(
                        "admin:legislation_evidenceproposal_change", args=[submission.proposal.pk]
                    ),
                    submission.proposal.pk,
                ),
                messages.SUCCESS,
            )
        elif submission is not None:
            self.message_user(request, "Nothing was changed.", messages.INFO)
        info = (obj._meta.app_label, obj._meta.model_name)
        return HttpResponseRedirect(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))


def evidence_diff_list(proposal):
    return diff_html(evidence.proposal_diff(proposal))


def evidence_pending_summary(pending):
    if not pending:
        return "—"
    return format_html_join(
        "",
        '<p><a href="{}">Evidence change #{}</a> by {}:{}</p>',
        (
            (
                reverse("admin:legislation_evidenceproposal_change", args=[p.pk]),
                p.pk,
                p.author,
                evidence_diff_list(p),
            )
            for p in pending
        ),
    )


class ProvisionInline(admin.TabularInline):
    model = Provision
    extra = 1
    fields = ["reference", "excerpt", "url"]


@admin.register(LegalInstrument)
class LegalInstrumentAdmin(EvidenceReviewAdmin):
    list_display = ["title", "country", "year", "in_force_date", "language"]
    list_filter = ["country__region", GroupFilter]
    list_select_related = ["country"]
    search_fields = ["title", "country__name", "country__iso2"]
    autocomplete_fields = ["country"]


@admin.register(Provision)
class ProvisionAdmin(EvidenceReviewAdmin):
    list_display = ["reference", "instrument", "country"]
    list_select_related = ["instrument__country"]
    search_fields = [
        "reference",
        "excerpt",
        "instrument__title",
        "instrument__country__name",
        "instrument__country__iso2",
    ]
    autocomplete_fields = ["instrument"]

    @admin.display(ordering="instrument__country__name")
    def country(self, obj):
        return obj.instrument.country


@admin.register(Source)
class SourceAdmin(EvidenceReviewAdmin):
    list_display = ["title", "publisher", "year", "page"]
    search_fields = ["title", "publisher"]


class TreatyReservationInline(admin.StackedInline):
    model = TreatyReservation
    fk_name = "participation"
    extra = 0
    filter_horizontal = ["criteria"]
    raw_id_fields = ["objects_to"]


@admin.register(TreatyParticipation)
class TreatyParticipationAdmin(ReasonedHistoryAdmin):
    list_display = ["country", "treaty", "action", "signed", "ratified", "in_force", "date_quality"]
    list_filter = ["treaty", "action", "date_quality"]
    list_select_related = ["country", "treaty"]
    search_fields = ["country__name", "country__iso2"]
    autocomplete_fields = ["country"]
    inlines = [TreatyReservationInline]

    def save_formset(self, request, form, formset, change):
        for reservation in formset.save(commit=False):
            reservation._change_reason = form.cleaned_data["change_reason"]
            reservation.save()
        for reservation in formset.deleted_objects:
            reservation._change_reason = form.cleaned_data["change_reason"]
            reservation.delete()
        formset.save_m2m()


class ReadOnlyForEditorsAdmin(admin.ModelAdmin):
    """Reference data follows the files in legislation/data/; only superusers may touch it."""

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Framework)
class FrameworkAdmin(ReadOnlyForEditorsAdmin):
    list_display = ["short_name", "publisher", "edition", "year"]


@admin.register(Criterion)
class CriterionAdmin(ReadOnlyForEditorsAdmin):
    list_display = ["code", "title", "framework", "is_leaf", "reservation_allowed", "priority"]
    list_filter = ["framework", "is_leaf", "reservation_allowed"]
    list_select_related = ["framework"]
    search_fields = ["code", "title", "summary"]


@admin.register(CountryGroup)
class CountryGroupAdmin(ReadOnlyForEditorsAdmin):
    list_display = ["name", "slug", "member_count"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("countries"))

    @admin.display(description="members", ordering="member_count")
    def member_count(self, obj):
        return obj.member_count


@admin.register(PublishedFigure)
class PublishedFigureAdmin(ReadOnlyForEditorsAdmin):
    list_display = ["figure", "scope", "value", "release", "year", "sufficiency_rule"]
    list_filter = ["edition", "sufficiency_rule"]


@admin.register(PublishedRating)
class PublishedRatingAdmin(ReadOnlyForEditorsAdmin):
    """What ICMEC published for a country in an edition: context, never a cell."""

    list_display = ["country", "framework", "edition", "year", "summary"]
    list_filter = ["edition"]
    list_select_related = ["country", "framework"]
    search_fields = ["country__name", "country__iso2"]


class StateFilter(admin.SimpleListFilter):
    """The queue opens on what awaits review; "all" shows decided changes too."""

    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [*ChangeProposal.State.choices, ("all", "all")]

    def choices(self, changelist):
        value = self.value() or ChangeProposal.State.PENDING
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or ChangeProposal.State.PENDING
        if value == "all":
            return queryset
        if value not in ChangeProposal.State.values:
            return queryset.none()
        return queryset.filter(state=value)


class ProposalCountryFilter(admin.SimpleListFilter):
    title = "country"
    parameter_name = "country"

    def lookups(self, request, model_admin):
        countries = Country.objects.filter(assessments__proposals__isnull=False).distinct()
        return [(c.iso2, c.name) for c in countries]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(assessment__country__iso2=self.value())
        return queryset


class BatchFilter(admin.SimpleListFilter):
    """One batch (an import file, one save of a country page): what "approve a batch" selects."""

    title = "batch"
    parameter_name = "batch"

    def lookups(self, request, model_admin):
        batches = ChangeBatch.objects.filter(
            proposals__state=ChangeProposal.State.PENDING
        ).distinct()
        return [(str(b.pk), f"#{b.pk} {b.file_name or b.get_kind_display()}") for b in batches]

    def queryset(self, request, queryset):
        if self.value():
            if not self.value().isdigit():
                return queryset.none()
            return queryset.filter(batch_id=int(self.value()))
        return queryset


class ReviewCommentForm(forms.Form):
    comment = forms.CharField(
        label="Comment for the author",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text="Required when rejecting: say what is wrong so the author can fix it.",
    )


class ListOnlyAdminMixin:
    """Proposals and batches change only through the workflow's actions, never a form."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReviewDecisionMixin:
    """Approve or reject from a queue, after a confirmation page showing the diffs; shared by
    the cells' queue and the evidence queue, which differ in their diff and template."""

    decide_template = "admin/legislation/changeproposal/decide.html"
    decide_noun = "change"

    def diff_of(self, obj):
        return diff_list(obj)

    def has_review_permission(self, request):
        return request.user.has_perm(workflow.REVIEW_PERMISSION)

    @admin.display(description="#", ordering="pk")
    def number(self, obj):
        return obj.pk

    @admin.display(description="state", ordering="state")
    def state_display(self, obj):
        if obj.state == ChangeProposal.State.PENDING:
            return obj.get_state_display()
        return format_html(
            "{} by {}<br><small>{}</small>",
            obj.get_state_display(),
            obj.reviewed_by or "—",
            obj.review_comment,
        )

    def _decide(self, request, queryset, decision, verb, imperative):
        from django.template.response import TemplateResponse

        proposals = list(queryset)
        for proposal in proposals:
            proposal.diff_html = self.diff_of(proposal)
        form = ReviewCommentForm(request.POST if "decide" in request.POST else None)
        if form.is_valid():
            try:
                decision(request.user, [p.pk for p in proposals], form.cleaned_data["comment"])
            except workflow.WorkflowError as error:
                # Explained once, on the same page, with the selection kept for a second try.
                for message in error.messages:
                    form.add_error(None, f"Nothing was {verb}: {message}")
            else:
                done = f"{counted(len(proposals), self.decide_noun)} {verb}."
                self.message_user(request, done, messages.SUCCESS)
                return None
        ctx = {
            **self.admin_site.each_context(request),
            "title": f"{imperative} {counted(len(proposals), self.decide_noun)}?",
            "imperative": imperative,
            "opts": self.model._meta,
            "proposals": proposals,
            "form": form,
            "action": request.POST.get("action"),
            "verb": verb,
            "selected": [p.pk for p in proposals],
        }
        return TemplateResponse(request, self.decide_template, ctx)


@admin.register(ChangeProposal)
class ChangeProposalAdmin(ReviewDecisionMixin, ListOnlyAdminMixin, admin.ModelAdmin):
    """The Reviewers' queue: pending changes with their diffs; approve or reject with a comment."""

    class Media:
        css = {"all": ["legislation/review.css"]}

    list_display = ["number", "cell", "change", "author", "reason", "created", "state_display"]
    list_filter = [
        StateFilter,
        ProposalCountryFilter,
        ("assessment__criterion__framework", admin.RelatedOnlyFieldListFilter),
        ("batch__author", admin.RelatedOnlyFieldListFilter),
        BatchFilter,
    ]
    search_fields = ["assessment__country__name", "assessment__criterion__code", "batch__reason"]
    actions = ["approve_selected", "reject_selected"]
    list_per_page = 200
    readonly_fields = [
        "number",
        "cell",
        "change",
        "author",
        "reason",
        "created",
        "state_display",
        "reviewed_by",
        "reviewed_at",
        "review_comment",
        "base_version",
    ]
    fields = readonly_fields

    def get_queryset(self, request):
        return super().get_queryset(request).for_queue()

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            "title": "Review queue: proposed changes",
            **pending_evidence_context(),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)

    @admin.display(description="cell")
    def cell(self, obj):
        return format_html(
            '<a href="{}">{}</a> – {}<br><small>{}</small>',
            reverse("admin:legislation_assessment_change", args=[obj.assessment_id]),
            obj.assessment.country,
            obj.assessment.criterion.code,
            obj.assessment.criterion.framework,
        )

    @admin.display(description="change (approved → proposed)")
    def change(self, obj):
        return diff_list(obj)

    @admin.display(description="author", ordering="batch__author__username")
    def author(self, obj):
        return obj.batch.author

    @admin.display(description="reason")
    def reason(self, obj):
        return format_html("{}<br><small>{}</small>", obj.batch.reason, obj.batch)

    @admin.display(description="proposed", ordering="batch__created_at")
    def created(self, obj):
        return obj.batch.created_at

    @admin.action(description="Approve the selected changes", permissions=["review"])
    def approve_selected(self, request, queryset):
        return self._decide(request, queryset, workflow.approve, "approved", "Approve")

    @admin.action(description="Reject the selected changes", permissions=["review"])
    def reject_selected(self, request, queryset):
        return self._decide(request, queryset, workflow.reject, "rejected", "Reject")


@admin.register(ChangeBatch)
class ChangeBatchAdmin(ListOnlyAdminMixin, admin.ModelAdmin):
    """Every save, import and revert, with what became of its proposals; a batch that was
    approved can be reverted, through review again."""

    list_display = ["__str__", "kind", "author", "reason", "created_at", "progress", "review"]
    list_filter = ["kind", ("author", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["author"]
    search_fields = ["reason", "file_name"]
    actions = ["propose_revert"]
    readonly_fields = [
        "kind",
        "author",
        "reason",
        "file_name",
        "file_sha256",
        "reverts",
        "created_at",
        "progress",
        "review",
    ]
    fields = readonly_fields

    def get_queryset(self, request):
        states = ChangeProposal.State
        return (
            super()
            .get_queryset(request)
            .annotate(
                **{
                    f"n_{state}": Count("proposals", filter=Q(proposals__state=state))
                    for state in states.values
                }
            )
        )

    def has_propose_permission(self, request):
        return request.user.has_perm(workflow.PROPOSE_PERMISSION)

    @admin.display(description="proposals")
    def progress(self, obj):
        return ", ".join(
            f"{getattr(obj, f'n_{state}', 0)} {label}"
            for state, label in ChangeProposal.State.choices
            if getattr(obj, f"n_{state}", 0)
        )

    @admin.display(description="review")
    def review(self, obj):
        return format_html(
            '<a href="{}?batch={}&amp;state=all">see its changes</a>',
            reverse("admin:legislation_changeproposal_changelist"),
            obj.pk,
        )

    @admin.action(
        description="Propose reverting the selected approved batches (needs review)",
        permissions=["propose"],
    )
    def propose_revert(self, request, queryset):
        for batch in queryset:
            try:
                result = workflow.propose_revert_of_batch(
                    request.user, batch, f"Revert of batch #{batch.pk} ({batch.reason})"[:250]
                )
            except workflow.WorkflowError as error:
                for message in error.messages:
                    self.message_user(request, message, messages.ERROR)
                continue
            report_proposals(self, request, result)


# --- Evidence review queue --------------------------------------------------------------------


@admin.register(EvidenceProposal)
class EvidenceProposalAdmin(ReviewDecisionMixin, ListOnlyAdminMixin, admin.ModelAdmin):
    """Changes to cited sources, instruments and provisions, with their diffs: the sibling of
    the cells' queue, whose page lists these too. Approve or reject with a comment."""

    class Media:
        css = {"all": ["legislation/review.css"]}

    list_display = [
        "number",
        "record_link",
        "change",
        "author",
        "reason",
        "created_at",
        "state_display",
    ]
    list_filter = [StateFilter, ("author", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["reason", "source__title", "instrument__title", "provision__reference"]
    actions = ["approve_selected", "reject_selected"]
    list_per_page = 200
    readonly_fields = [
        "number",
        "record_link",
        "change",
        "author",
        "reason",
        "created_at",
        "state_display",
        "reviewed_by",
        "reviewed_at",
        "review_comment",
    ]
    fields = readonly_fields
    decide_template = "admin/legislation/evidenceproposal/decide.html"
    decide_noun = "evidence change"

    def diff_of(self, obj):
        return evidence_diff_list(obj)

    def get_queryset(self, request):
        return super().get_queryset(request).for_queue()

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            "title": "Review queue: proposed evidence changes",
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)

    @admin.display(description="record")
    def record_link(self, obj):
        record = obj.record
        info = (record._meta.app_label, record._meta.model_name)
        return format_html(
            '<a href="{}">{}</a><br><small>{}</small>',
            reverse("admin:{}_{}_change".format(*info), args=[record.pk]),
            record,
            obj.record_kind,
        )

    @admin.display(description="change (approved → proposed)")
    def change(self, obj):
        return evidence_diff_list(obj)

    @admin.action(description="Approve the selected evidence changes", permissions=["review"])
    def approve_selected(self, request, queryset):
        return self._decide(request, queryset, evidence.approve, "approved", "Approve")

    @admin.action(description="Reject the selected evidence changes", permissions=["review"])
    def reject_selected(self, request, queryset):
        return self._decide(request, queryset, evidence.reject, "rejected", "Reject")


def pending_evidence_context():
    """For the cells' queue page: the evidence changes awaiting review, listed above it."""
    pending = list(EvidenceProposal.objects.pending().for_queue().order_by("pk")[:50])
    for proposal in pending:
        proposal.diff_html = evidence_diff_list(proposal)
    return {
        "evidence_pending": pending,
        "evidence_pending_count": EvidenceProposal.objects.pending().count(),
    }


from . import releases  # noqa: E402, F401  (registers the release admin)
