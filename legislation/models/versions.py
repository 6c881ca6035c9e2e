"""The public data's version, shared by every process through the database."""

from django.db import models
from django.utils import timezone


class DataVersion(models.Model):
    """A single row whose number rises, in the same transaction, with every change that shows
    on a public page (signals.py). Every process reads it (one primary-key lookup) into the
    key of every cached page, so no process can serve a page from before a committed change,
    whatever cache it has; `changed_at` is the pages' Last-Modified."""

    number = models.PositiveBigIntegerField(default=0)
    # Raised with `number` by every public change except a cell's (its values, its provisions):
    # what a page shows besides the cells (countries, groups, criteria, ratings, sources, …)
    # is unchanged while it stays, so it may be reused after a change to cells only.
    shared = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"data version {self.number} ({self.changed_at:%Y-%m-%d %H:%M:%S})"
