"""Data releases: a fixed, citable copy of the public data, cut by a Publisher and never changed.

A release keeps the exact bytes of every file of its Frictionless Data Package, so the page
that serves it, the API's `release=` and a re-download years later all read the same rows.
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

SEMVER_RE = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)")


def parse_version(text):
    """ "1.2.0" → (1, 2, 0); anything else is refused with a message."""
    match = SEMVER_RE.fullmatch(str(text).strip())
    if not match:
        raise ValidationError(
            "A release version is three whole numbers, MAJOR.MINOR.PATCH (e.g. 1.0.0).",
            code="version",
        )
    return tuple(int(part) for part in match.groups())


class ReleaseQuerySet(models.QuerySet):
    def newest_first(self):
        return self.order_by("-major", "-minor", "-patch")

    def latest_release(self):
        return self.newest_first().first()

    def by_name(self, name):
        """A release by its version, or the newest for "latest"; None when there is none."""
        if name == "latest":
            return self.latest_release()
        try:
            major, minor, patch = parse_version(name)
        except ValidationError:
            return None
        return self.filter(major=major, minor=minor, patch=patch).first()


class ImmutableRecord(models.Model):
    """Written once: a second save or a delete is refused (a release must read as it was cut)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError(f"{self._meta.verbose_name} is immutable once created.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(f"{self._meta.verbose_name} is immutable and cannot be deleted.")


class Release(ImmutableRecord):
    version = models.CharField(max_length=20, unique=True, help_text="MAJOR.MINOR.PATCH")
    major = models.PositiveIntegerField(editable=False)
    minor = models.PositiveIntegerField(editable=False)
    patch = models.PositiveIntegerField(editable=False)
    notes = models.TextField(help_text="What this release is, in a sentence or two; public.")
    cut_at = models.DateTimeField(help_text="The moment whose public data the release holds.")
    # Staff-only: who cut it. Never written into the package or shown publicly.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    counts = models.JSONField(help_text="Rows per resource and assessed cells, for /data/.")
    level = models.CharField(
        max_length=10, help_text="major, minor or patch: the change since the previous release."
    )
    zip_sha256 = models.CharField("SHA-256 of the zip", max_length=64)

    objects = ReleaseQuerySet.as_manager()

    class Meta:
        ordering = ["-major", "-minor", "-patch"]

    def __str__(self):
        return f"Release {self.version}"

    def save(self, *args, **kwargs):
        self.major, self.minor, self.patch = parse_version(self.version)
        super().save(*args, **kwargs)

    def file_bytes(self):
        """{path: bytes} of every file, in path order: one query."""
        return {f.path: bytes(f.content) for f in self.files.order_by("path")}


class ReleaseFile(ImmutableRecord):
    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="files")
    path = models.CharField(max_length=100)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()

    class Meta:
        ordering = ["release", "path"]
        constraints = [
            models.UniqueConstraint(fields=["release", "path"], name="one_file_per_path")
        ]

    def __str__(self):
        return f"{self.release.version}/{self.path}"
