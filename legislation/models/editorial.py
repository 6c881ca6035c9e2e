"""The editorial record: batches of proposed changes awaiting a second person's review, and
import files kept between their dry run and their confirmation."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from legislation.statuses import REASON_CODE_HELP, ReasonCode, Status

from .cells import Assessment, CellValues


class ChangeBatch(models.Model):
    """One editor's save, one import file or one revert: the proposals made together, with the
    single reason that will stand in the history of every cell they change."""

    class Kind(models.TextChoices):
        EDIT = "edit", "edit in the admin"
        IMPORT = "import", "spreadsheet import"
        REVERT = "revert", "revert"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="change_batches"
    )
    reason = models.CharField(max_length=250)
    reason_code = models.CharField(
        "kind of change",
        max_length=20,
        choices=ReasonCode.choices,
        default=ReasonCode.NEW_EVIDENCE,
        help_text=REASON_CODE_HELP,
    )
    public_reason = models.CharField(
        "reason shown to the public",
        max_length=500,
        blank=True,
        help_text="One sentence for readers of the public change log; name no one. Left "
        "blank, the public log shows the kind of change only.",
    )
    file_name = models.CharField(max_length=255, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)
    reverts = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reverted_by",
        help_text="For a batch revert: the batch whose changes it undoes.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "change batches"

    def __str__(self):
        what = self.file_name or self.get_kind_display()
        return f"Batch #{self.pk}: {what} by {self.author}"


class ChangeProposalQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(state=ChangeProposal.State.PENDING)

    def for_queue(self):
        return self.select_related(
            "batch__author",
            "assessment__country",
            "assessment__criterion__framework",
            "source",
            "reviewed_by",
        ).prefetch_related("provisions__instrument")


class ChangeProposal(CellValues):
    """A proposed value for one cell. It reaches `Assessment` (and so every public page) only
    when a Reviewer other than its author approves it."""

    class State(models.TextChoices):
        PENDING = "pending", "pending review"
        APPROVED = "approved", "approved"
        REJECTED = "rejected", "rejected"
        SUPERSEDED = "superseded", "superseded by the author's newer proposal"

    batch = models.ForeignKey(ChangeBatch, on_delete=models.PROTECT, related_name="proposals")
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="proposals")
    base_version = models.PositiveIntegerField(
        help_text="The cell's version when the change was made; approval needs it unchanged."
    )
    before = models.JSONField(help_text="The approved values the author saw, for the diff.")
    reason_code = models.CharField(
        max_length=20,
        choices=ReasonCode.choices,
        blank=True,
        help_text="This cell's kind of change when it differs from its batch's (an import "
        "row may give its own).",
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reviewed_proposals",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(blank=True)

    objects = ChangeProposalQuerySet.as_manager()

    class Meta:
        ordering = ["-batch__created_at", "pk"]
        verbose_name = "proposed change"
        verbose_name_plural = "proposed changes (review queue)"
        permissions = [("review_changeproposal", "Can approve or reject proposed changes")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="proposal_status_valid"
            ),
        ]

    def __str__(self):
        return f"Change #{self.pk}: {self.assessment.country} – {self.assessment.criterion.code}"

    @property
    def author(self):
        return self.batch.author

    @property
    def effective_reason_code(self):
        return self.reason_code or self.batch.reason_code


class ImportUpload(models.Model):
    """A file that passed its dry run, kept until its author confirms (or discards) it, with the
    version of every cell it would change, so that confirming refuses cells changed meanwhile."""

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    file_name = models.CharField(max_length=255)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    versions = models.JSONField(help_text="Cell id → version seen by the dry run.")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.file_name} ({self.author}, {self.created_at:%Y-%m-%d %H:%M})"
