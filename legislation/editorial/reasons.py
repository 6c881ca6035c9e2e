"""The kind-of-change fields every proposal form asks (admin edits, history reverts, imports)."""

from django import forms

from legislation.models import ChangeBatch
from legislation.statuses import REASON_CODE_HELP, ReasonCode


class ReasonCodeFields(forms.Form):
    """The kind of change and its public wording, asked with every proposal."""

    reason_code = forms.ChoiceField(
        label="Kind of change",
        choices=[("", "— choose —"), *ReasonCode.choices],
        help_text=REASON_CODE_HELP,
    )
    public_reason = forms.CharField(
        label="Reason shown to the public",
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"size": 80}),
        help_text=ChangeBatch._meta.get_field("public_reason").help_text,
    )
