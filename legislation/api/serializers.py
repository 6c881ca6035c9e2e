"""The shapes the API answers with, for the OpenAPI schema and for writing rows out.

Rows come from `legislation.api.queries` as plain dicts; these serializers only describe and
write them (read-only). Nothing here has a field for a person: cells say when they were
reviewed, never by whom.
"""

from rest_framework import serializers

from legislation.models import TreatyParticipation, TreatyReservation
from legislation.statuses import EvidenceGrade, ReasonCode, Status


def optional_text(**kwargs):
    return serializers.CharField(allow_null=True, **kwargs)


class FrameworkSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    short_name = optional_text()
    publisher = optional_text()
    edition = optional_text()
    year = serializers.IntegerField(allow_null=True)
    url = optional_text()
    is_treaty = serializers.BooleanField()


class CriterionSerializer(serializers.Serializer):
    code = serializers.CharField()
    framework = serializers.CharField()
    parent = optional_text(help_text="The article a sub-paragraph belongs to (Lanzarote).")
    children = serializers.ListField(child=serializers.CharField(), help_text="Sub-paragraphs.")
    is_leaf = serializers.BooleanField(help_text="Leaves are assessed; articles roll them up.")
    article = optional_text()
    title = serializers.CharField()
    summary = optional_text()
    reservation_allowed = serializers.ChoiceField(choices=["no", "yes", "partial"])
    display_order = serializers.IntegerField()


class CountrySerializer(serializers.Serializer):
    iso2 = serializers.CharField()
    iso3 = serializers.CharField()
    iso_numeric = optional_text(help_text="Blank where ISO assigns none (Kosovo).")
    name = serializers.CharField()
    official_name = optional_text()
    region = optional_text(help_text="UN M49 region.")
    subregion = optional_text(help_text="UN M49 sub-region.")
    un_status = serializers.ChoiceField(choices=["member", "observer", "other"])
    groups = serializers.ListField(child=serializers.CharField())


class SourceSerializer(serializers.Serializer):
    source_id = serializers.IntegerField()
    title = serializers.CharField()
    publisher = optional_text()
    year = serializers.IntegerField(allow_null=True)
    url = optional_text()
    page = optional_text()


class ProvisionSerializer(serializers.Serializer):
    provision_id = serializers.IntegerField()
    instrument = serializers.CharField()
    instrument_year = serializers.IntegerField(allow_null=True)
    reference = serializers.CharField(help_text="Article or section, as the law numbers it.")
    url = optional_text()
    citation = serializers.CharField()


class CellSerializer(serializers.Serializer):
    country = serializers.CharField(help_text="ISO alpha-2.")
    criterion = serializers.CharField()
    framework = serializers.CharField()
    status = serializers.ChoiceField(
        choices=Status.values,
        help_text="not_assessed means nobody has verified the cell yet; it is never a gap.",
    )
    as_of = serializers.DateField(allow_null=True, help_text="When the law was read so.")
    as_of_precision = serializers.ChoiceField(
        choices=["day", "month", "year"], allow_null=True, help_text="How much of as_of is known."
    )
    evidence_grade = serializers.ChoiceField(choices=EvidenceGrade.values, allow_null=True)
    note = optional_text()
    reason_code = optional_text(help_text="Why the cell last changed (a reason code).")
    public_reason = optional_text(help_text="The public reason given with that change.")
    reviewed_on = serializers.DateField(allow_null=True, help_text="Approved by a second person.")
    source = SourceSerializer(allow_null=True)
    provisions = ProvisionSerializer(many=True)


class ReservationSerializer(serializers.Serializer):
    reservation_id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=TreatyReservation.Kind.values)
    article = optional_text()
    criteria = serializers.ListField(child=serializers.CharField())
    text = optional_text()
    source = optional_text()


class TreatyParticipationSerializer(serializers.Serializer):
    treaty = serializers.CharField()
    country = serializers.CharField()
    action = serializers.ChoiceField(choices=["signature", "ratification", "accession"])
    signed = serializers.DateField(allow_null=True, help_text="null means unknown.")
    ratified = serializers.DateField(allow_null=True, help_text="null means unknown.")
    in_force = serializers.DateField(allow_null=True, help_text="null means unknown.")
    date_quality = serializers.ChoiceField(
        choices=TreatyParticipation.DateQuality.values, allow_null=True
    )
    source = optional_text()
    reservations = ReservationSerializer(many=True)


class PublishedFigureSerializer(serializers.Serializer):
    figure_id = serializers.IntegerField()
    framework = serializers.CharField()
    edition = serializers.IntegerField(allow_null=True)
    release = optional_text()
    year = serializers.IntegerField(allow_null=True)
    figure = serializers.CharField()
    scope = serializers.CharField()
    value = serializers.IntegerField(allow_null=True)
    meaning = optional_text()
    source = optional_text()


class FieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    before = optional_text()
    after = optional_text()


class ChangeSerializer(serializers.Serializer):
    changed_at = serializers.DateTimeField()
    country = serializers.CharField()
    criterion = serializers.CharField()
    framework = serializers.CharField()
    kind = serializers.ChoiceField(choices=["new_assessment", "correction", "withdrawn"])
    reason_code = serializers.ChoiceField(choices=ReasonCode.values, allow_null=True)
    public_reason = optional_text(help_text="The public reason given with the change.")
    changes = FieldChangeSerializer(many=True)


class ReleaseSerializer(serializers.Serializer):
    version = serializers.CharField()
    released_at = serializers.DateTimeField()
    level = serializers.ChoiceField(choices=["major", "minor", "patch"])
    notes = serializers.CharField()
    counts = serializers.DictField(child=serializers.JSONField())
    zip_sha256 = serializers.CharField()
    download = serializers.CharField(help_text="The zip of the Data Package.")
