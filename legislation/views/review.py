"""The spreadsheet import in the admin: upload → dry run preview → confirm, which proposes the
changed rows for review (all or none). Mounted by AssessmentAdmin.get_urls, so the admin's
login and staff checks wrap every view here."""

import datetime

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from legislation.editorial import importing, workflow
from legislation.editorial.reasons import ReasonCodeFields
from legislation.exports.spreadsheet import table_download
from legislation.models import Assessment, ImportUpload
from legislation.wording import counted

DRAFT_LIFETIME = datetime.timedelta(days=1)


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Spreadsheet (CSV or XLSX)",
        help_text="The long export of the comparison page, or the template above, edited.",
    )


class ConfirmForm(forms.Form):
    upload = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Reason for these changes",
        max_length=250,
        help_text="Required. Kept in the history of every cell the file changes, with your name.",
        widget=forms.TextInput(attrs={"size": 80}),
    )


ConfirmForm.base_fields["reason_code"] = ReasonCodeFields.base_fields["reason_code"]
ConfirmForm.base_fields["public_reason"] = ReasonCodeFields.base_fields["public_reason"]


class TemplateFormatForm(forms.Form):
    format = forms.ChoiceField(choices=[("csv", "CSV"), ("xlsx", "XLSX")], required=False)


def _context(request, **extra):
    opts = Assessment._meta
    return {
        **admin.site.each_context(request),
        "opts": opts,
        "title": "Import assessments from a spreadsheet",
        "max_bytes": settings.IMPORT_MAX_BYTES,
        "columns": importing.COLUMNS,
        **extra,
    }


@require_http_methods(["GET", "POST"])
def import_view(request):
    if not request.user.has_perm(workflow.PROPOSE_PERMISSION):
        raise PermissionDenied
    if request.method == "POST" and "upload" in request.POST:
        return _confirm(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "GET" or not form.is_valid():
        status = 400 if request.method == "POST" else 200
        return TemplateResponse(
            request,
            "admin/legislation/assessment/import.html",
            _context(request, form=form),
            status=status,
        )
    upload = form.cleaned_data["file"]
    name = upload.name or "upload"
    if upload.size > settings.IMPORT_MAX_BYTES:
        result = importing.Preview(file_name=name)
        result.file_errors.append(
            f"The file is too large ({upload.size:,} bytes; the limit is "
            f"{settings.IMPORT_MAX_BYTES:,} bytes). Split it, or use manage.py "
            "import_assessments."
        )
        data = b""
    else:
        data = upload.read()
        result = importing.preview(name, data, author=request.user)
    confirm = None
    if result.ok and result.to_apply:
        # Kept until confirmed so the confirmation applies exactly the file previewed, and
        # refuses cells someone changed in between.
        ImportUpload.objects.filter(
            author=request.user, created_at__lt=timezone.now() - DRAFT_LIFETIME
        ).delete()
        draft = ImportUpload.objects.create(
            author=request.user,
            file_name=name[:255],
            content=data,
            sha256=result.sha256,
            versions=result.versions,
        )
        confirm = ConfirmForm(initial={"upload": draft.pk})
    return TemplateResponse(
        request,
        "admin/legislation/assessment/import.html",
        _context(request, form=ImportForm(), result=result, confirm=confirm),
    )


def _confirm(request):
    confirm = ConfirmForm(request.POST)
    draft = None
    if confirm.is_valid():
        draft = ImportUpload.objects.filter(
            pk=confirm.cleaned_data["upload"], author=request.user
        ).first()
        if draft is None:
            messages.error(request, "That upload has expired or is not yours: upload it again.")
            return HttpResponseRedirect(reverse("admin:legislation_assessment_import"))
    if draft is None:
        return TemplateResponse(
            request,
            "admin/legislation/assessment/import.html",
            _context(request, form=ImportForm(), confirm=confirm),
            status=400,
        )
    result = importing.preview(draft.file_name, bytes(draft.content), author=request.user)
    try:
        outcome = importing.apply_import(
            result,
            request.user,
            confirm.cleaned_data["reason"],
            versions=draft.versions,
            reason_code=confirm.cleaned_data["reason_code"],
            public_reason=confirm.cleaned_data["public_reason"],
        )
    except workflow.WorkflowError as error:
        return TemplateResponse(
            request,
            "admin/legislation/assessment/import.html",
            _context(
                request,
                form=ImportForm(),
                result=result,
                refused=error.messages,
                confirm=confirm,
            ),
            status=409,
        )
    draft.delete()
    if outcome.batch is None:
        messages.info(request, "Nothing was proposed: every row equals the approved value.")
        return HttpResponseRedirect(reverse("admin:legislation_assessment_import"))
    messages.success(
        request,
        f"Proposed {counted(len(outcome.proposals), 'change')} from {draft.file_name} as batch "
        f"#{outcome.batch.pk}. Public pages show them once a Reviewer approves them.",
    )
    return HttpResponseRedirect(
        reverse("admin:legislation_changeproposal_changelist")
        + f"?batch={outcome.batch.pk}&state=all"
    )


@require_http_methods(["GET"])
def import_template(request):
    if not request.user.has_perm("legislation.view_assessment"):
        raise PermissionDenied
    form = TemplateFormatForm(request.GET)
    if not form.is_valid():
        return HttpResponse("Unknown format: use csv or xlsx.", status=400)
    header, rows = importing.template_rows()
    stamp = timezone.localdate().isoformat()
    meta = {**importing.TEMPLATE_META, "exported": stamp}
    return table_download(
        form.cleaned_data["format"] or "csv",
        header,
        rows,
        f"assessments-template-{stamp}",
        meta,
        sheet_title="assessments",
    )
