"""The base admin for legal data: the reason given on save lands in the history row."""

from django.db import router, transaction
from simple_history.admin import SimpleHistoryAdmin

from legislation.admin.forms import LockedChangeReasonForm


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
