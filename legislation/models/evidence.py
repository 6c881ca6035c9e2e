"""Proposed changes to the evidence public cells cite: a source, a legal instrument or a
provision. Like a cell's change, it reaches the public only when a Reviewer other than its
author approves it; until then the record keeps its approved values and the proposal holds the
new ones."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .editorial import ChangeProposal
from .records import LegalInstrument, Provision, Source

# One of these is set on every proposal: the record it would change.
EVIDENCE_LINKS = ("source", "instrument", "provision")


class EvidenceProposalQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(state=EvidenceProposal.State.PENDING)

    def for_queue(self):
        return self.select_related(
            "author", "reviewed_by", "source", "instrument__country", "provision__instrument"
        )


class EvidenceProposal(models.Model):
    State = ChangeProposal.State

    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.PROTECT, related_name="change_proposals"
    )
    instrument = models.ForeignKey(
        LegalInstrument,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="change_proposals",
    )
    provision = models.ForeignKey(
        Provision, null=True, blank=True, on_delete=models.PROTECT, related_name="change_proposals"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="evidence_proposals"
    )
    reason = models.CharField(max_length=250)
    created_at = models.DateTimeField(default=timezone.now)
    base_history_id = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="The record's newest history entry when the change was made; approval needs "
        "it unchanged.",
    )
    before = models.JSONField(help_text="The approved values the author saw, for the diff.")
    after = models.JSONField(help_text="The proposed values, applied to the record on approval.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reviewed_evidence_proposals",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(blank=True)

    objects = EvidenceProposalQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "proposed evidence change"
        verbose_name_plural = "proposed evidence changes (review queue)"
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(source__isnull=False, instrument__isnull=True, provision__isnull=True)
                    | Q(source__isnull=True, instrument__isnull=False, provision__isnull=True)
                    | Q(source__isnull=True, instrument__isnull=True, provision__isnull=False)
                ),
                name="evidence_proposal_one_record",
            ),
        ]

    def __str__(self):
        return f"Evidence change #{self.pk}: {self.record_kind} “{self.record}”"

    @property
    def record(self):
        """The source, instrument or provision this proposal would change."""
        return next(getattr(self, name) for name in EVIDENCE_LINKS if getattr(self, f"{name}_id"))

    @property
    def record_kind(self):
        """ "source", "legal instrument" or "provision"."""
        return self.record._meta.verbose_name
