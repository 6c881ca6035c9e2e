"""Data releases in the admin: a superuser or a Publisher cuts one (version and notes); once
cut it can be verified but never edited or deleted."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html

from legislation.models import Release
from legislation.releases import package


class CutReleaseForm(forms.ModelForm):
    class Meta:
        model = Release
        fields = ["version", "notes"]
        help_texts = {
            "version": "MAJOR.MINOR.PATCH. Patch = corrections only, minor = new assessments, "
            "major = a change to the tables' columns; a version that says otherwise is refused.",
        }

    def clean(self):
        cleaned = super().clean()
        version = cleaned.get("version")
        if version and not self.errors:
            # A dry run of the checks the cut makes, so a refusal is a form message.
            previous = Release.objects.newest_first().first()
            try:
                package.plan(version, previous, package.public_tables())
            except ValidationError as error:
                self.add_error("version", error)
        return cleaned


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    form = CutReleaseForm
    list_display = ["version", "level", "cut_at", "created_by", "assessed", "zip_sha256", "page"]
    actions = ["verify_selected"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["version", "notes"]
        return ["version", "level", "notes", "cut_at", "created_by", "counts", "zip_sha256"]

    @admin.display(description="assessed cells")
    def assessed(self, obj):
        return f"{obj.counts.get('assessed', 0)} of {obj.counts.get('cells', 0)}"

    @admin.display(description="public page")
    def page(self, obj):
        url = reverse("legislation:data-release", args=[obj.version])
        return format_html('<a href="{}">{}</a>', url, url)

    def save_model(self, request, obj, form, change):
        release = package.create_release(obj.version, obj.notes, user=request.user)
        # The admin logs and redirects to the object it saved: point it at the release cut.
        obj.__dict__.update({k: v for k, v in release.__dict__.items() if k != "_state"})
        obj._state.adding = False

    @admin.action(description="Verify the selected releases (checksums, zip rebuilt)")
    def verify_selected(self, request, queryset):
        for release in queryset:
            problems = package.verify(release)
            if problems:
                self.message_user(request, f"{release}: " + "; ".join(problems), messages.ERROR)
            else:
                self.message_user(request, f"{release}: every file and the zip match.")
