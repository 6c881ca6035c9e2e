"""What a publisher (ICMEC) said about one country in one edition of its review.

A published rating is a record of someone else's finding at a past date. It is shown beside
the app's own cells and never becomes one: no figure, map or count here reads it.
"""

from django.db import models

from .reference import Country, Criterion, Framework


def ordinal(n):
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


class PublishedRatingQuerySet(models.QuerySet):
    def for_display(self):
        return self.select_related("framework", "country").prefetch_related(
            "criteria_met", "criteria_not_met"
        )


class PublishedRating(models.Model):
    framework = models.ForeignKey(
        Framework, on_delete=models.PROTECT, related_name="published_ratings"
    )
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="published_ratings")
    edition = models.PositiveSmallIntegerField()
    year = models.PositiveSmallIntegerField()
    summary = models.CharField(
        max_length=200, help_text="What was published, in a few words, e.g. “met all five”."
    )
    statement = models.TextField(help_text="The statement as the source words it.")
    criteria_met = models.ManyToManyField(
        Criterion, blank=True, related_name="published_met", help_text="Stated as met."
    )
    criteria_not_met = models.ManyToManyField(
        Criterion, blank=True, related_name="published_not_met", help_text="Stated as not met."
    )
    source = models.TextField()
    reliability = models.CharField("how far to trust it", max_length=300, blank=True)

    objects = PublishedRatingQuerySet.as_manager()

    class Meta:
        ordering = ["country__name", "framework__display_order", "edition"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "country", "edition"], name="one_published_rating_per_edition"
            )
        ]

    def __str__(self):
        return f"{self.country} – {self.label}"

    @property
    def edition_label(self):
        # "ICMEC", the publisher's own short name, as ICMEC's editions are cited.
        return f"{self.framework.code.upper()} {ordinal(self.edition)} ed. ({self.year})"

    @property
    def label(self):
        """e.g. "ICMEC 1st ed. (2006): met all five"."""
        return f"{self.edition_label}: {self.summary}"

    def said_of(self, criterion):
        """ "met", "not met", or "" when this edition's statement says nothing of it."""
        if any(c.pk == criterion.pk for c in self.criteria_met.all()):
            return "met"
        if any(c.pk == criterion.pk for c in self.criteria_not_met.all()):
            return "not met"
        return ""
