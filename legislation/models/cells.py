"""The cell: one country's status against one criterion, with the evidence it rests on."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from legislation.rules import cell_value_problems
from legislation.statuses import ASSESSED, AsOfPrecision, EvidenceGrade, ReasonCode, Status

from .records import Provision, Source
from .reference import Country, Criterion


class ReviewedHistory(models.Model):
    """Extra columns on every historical Assessment row: who proposed the change it records
    and which proposal it came from. `history_user` is the Reviewer who approved (applied) it."""

    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    proposal = models.ForeignKey(
        "ChangeProposal",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    # Why the cell changed, for the public: a code and a sentence that name no one. The
    # internal reason (`history_change_reason`) stays on the staff pages.
    reason_code = models.CharField(max_length=20, choices=ReasonCode.choices, blank=True)
    public_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        abstract = True


class AssessmentQuerySet(models.QuerySet):
    def assessed(self):
        return self.exclude(status=Status.NOT_ASSESSED)

    def of_framework(self, code):
        return self.filter(criterion__framework__code=code)

    def for_display(self):
        return self.select_related("country", "criterion", "source").prefetch_related(
            "provisions__instrument"
        )


class CellValues(models.Model):
    """The values of a cell: what the approved cell (`Assessment`) holds and what a proposal
    (`ChangeProposal`) would make it. Every list of value fields (diffs, the change log, the
    admin, the import columns, the history) is read from here with `value_fields()`."""

    AsOfPrecision = AsOfPrecision

    status = models.CharField(
        "status",
        max_length=20,
        choices=Status.choices,
        default=Status.NOT_ASSESSED,
        help_text="“Not assessed” means nobody has verified it yet; it is never a gap.",
    )
    as_of = models.DateField(
        "as of", null=True, blank=True, help_text="The date the law was read in this state."
    )
    as_of_precision = models.CharField(
        "as-of precision",
        max_length=5,
        choices=AsOfPrecision.choices,
        default=AsOfPrecision.DAY,
        help_text="When the source gives only a year, record 31 December and choose “year”.",
    )
    evidence_grade = models.CharField(
        "evidence grade", max_length=1, choices=EvidenceGrade.choices, blank=True
    )
    # "%(class)ss": Source.assessments and Provision.assessments for the approved cells,
    # .changeproposals for the proposals.
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.PROTECT, related_name="%(class)ss"
    )
    provisions = models.ManyToManyField(
        Provision, blank=True, related_name="%(class)ss", verbose_name="provisions"
    )
    note = models.TextField(
        "note", blank=True, help_text="What the law covers and what it misses, in plain words."
    )

    class Meta:
        abstract = True

    @classmethod
    def value_fields(cls):
        """The value fields in the order diffs, logs and forms list them."""
        declared = CellValues._meta.local_fields + CellValues._meta.local_many_to_many
        names = [f.name for f in sorted(declared, key=lambda f: f.creation_counter)]
        model = CellValues if cls._meta.abstract else cls
        return [model._meta.get_field(name) for name in names]

    @classmethod
    def value_names(cls):
        return tuple(f.name for f in cls.value_fields())

    @classmethod
    def scalar_value_names(cls):
        """The value fields stored on the row itself (everything but the provisions)."""
        return tuple(f.name for f in cls.value_fields() if not f.many_to_many)

    @classmethod
    def value_labels(cls):
        return {f.name: str(f.verbose_name) for f in cls.value_fields()}

    @property
    def is_assessed(self):
        return self.status in ASSESSED


class Assessment(CellValues):
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="assessments")
    criterion = models.ForeignKey(
        Criterion,
        on_delete=models.PROTECT,
        related_name="assessments",
        limit_choices_to={"is_leaf": True},
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    # Optimistic locking: a save must name the version it was edited from.
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(m2m_fields=["provisions"], bases=[ReviewedHistory])
    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = [
            "country__name",
            "criterion__framework__display_order",
            "criterion__display_order",
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "criterion"], name="one_assessment_per_country_criterion"
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="assessment_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(evidence_grade__in=["", *EvidenceGrade.values]),
                name="assessment_evidence_grade_valid",
            ),
        ]

    def __str__(self):
        return f"{self.country} – {self.criterion.code}: {Status(self.status).label}"

    def clean(self):
        # The provisions are checked by `workflow.preview` (they are not set before saving).
        criterion = self.criterion if self.criterion_id else None
        source = self.source if self.source_id else None
        problems = cell_value_problems(criterion, self.country_id, self.status, source, [])
        if problems:
            errors = {}
            for name, message in problems:
                errors.setdefault(name, []).append(message[0].upper() + message[1:])
            raise ValidationError(errors)
