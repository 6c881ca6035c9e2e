"""The cell: one country's status against one criterion, with the evidence it rests on."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from legislation.statuses import ASSESSED, EvidenceGrade, Status

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


class Assessment(models.Model):
    class AsOfPrecision(models.TextChoices):
        DAY = "day", "day"
        MONTH = "month", "month"
        YEAR = "year", "year"

    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="assessments")
    criterion = models.ForeignKey(
        Criterion,
        on_delete=models.PROTECT,
        related_name="assessments",
        limit_choices_to={"is_leaf": True},
    )
    status = models.CharField(
        max_length=20,
        choices=Status.choices,
        default=Status.NOT_ASSESSED,
        help_text="“Not assessed” means nobody has verified it yet; it is never a gap.",
    )
    as_of = models.DateField(
        "as of", null=True, blank=True, help_text="The date the law was read in this state."
    )
    as_of_precision = models.CharField(
        max_length=5,
        choices=AsOfPrecision.choices,
        default=AsOfPrecision.DAY,
        help_text="When the source gives only a year, record 31 December and choose “year”.",
    )
    evidence_grade = models.CharField(max_length=1, choices=EvidenceGrade.choices, blank=True)
    note = models.TextField(
        blank=True, help_text="What the law covers and what it misses, in plain words."
    )
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.PROTECT, related_name="assessments"
    )
    provisions = models.ManyToManyField(Provision, blank=True, related_name="assessments")
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

    history = HistoricalRecords(m2m_fields=[provisions], bases=[ReviewedHistory])
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

    @property
    def is_assessed(self):
        return self.status in ASSESSED

    def clean(self):
        errors = {}
        criterion = self.criterion if self.criterion_id else None
        if criterion is not None and not criterion.is_leaf:
            errors["criterion"] = (
                f"{criterion.code} is an article heading; assess its sub-paragraphs instead."
            )
        if (
            criterion is not None
            and self.status == Status.RESERVED
            and not criterion.allows_reservation
        ):
            errors["status"] = criterion.reserved_refusal()
        if self.status in ASSESSED and self.source_id is None:
            errors["source"] = "An assessed status needs a source."
        if errors:
            raise ValidationError(errors)
