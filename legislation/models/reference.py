"""Reference data: countries and their groups, the two frameworks, their criteria, and the
aggregates ICMEC published. Loaded from `legislation/data/`; editors read it, superusers keep it."""

import functools

from django.conf import settings
from django.db import models
from django.urls import get_script_prefix, get_urlconf, reverse

GLOBAL_SOUTH = "global-south"
GLOBAL_NORTH = "global-north"


@functools.lru_cache(maxsize=4096)
def _country_url(root_urlconf, urlconf, prefix, code):
    """A country page's address. Kept per URL configuration and prefix: pages that link every
    country (the map, the table) would otherwise reverse it a few hundred times a request."""
    return reverse("legislation:country", kwargs={"iso2": code}, urlconf=urlconf)


class CountryGroup(models.Model):
    slug = models.SlugField(unique=True, help_text="Used in links, e.g. ?group=coe.")
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    source = models.TextField(blank=True, help_text="Where the membership list comes from.")
    display_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["display_order", "name"]

    def __str__(self):
        return self.name


class CountryQuerySet(models.QuerySet):
    def in_group(self, slug):
        # "Global South" is defined by WePROTECT as everyone outside the Global North,
        # so it is derived rather than stored and cannot drift out of step.
        if slug == GLOBAL_SOUTH:
            return self.exclude(groups__slug=GLOBAL_NORTH)
        return self.filter(groups__slug=slug)

    def in_region(self, region):
        return self.filter(region=region)

    def in_subregion(self, subregion):
        return self.filter(subregion=subregion)


class Country(models.Model):
    iso2 = models.CharField("ISO alpha-2", max_length=2, unique=True)
    iso3 = models.CharField("ISO alpha-3", max_length=3, unique=True)
    iso_numeric = models.CharField(
        "ISO numeric", max_length=3, blank=True, help_text="Blank where ISO assigns none (Kosovo)."
    )
    name = models.CharField(max_length=100, unique=True)
    official_name = models.CharField(max_length=200, blank=True)
    region = models.CharField("UN M49 region", max_length=50)
    subregion = models.CharField("UN M49 sub-region", max_length=50)
    un_status = models.CharField(
        "UN status",
        max_length=10,
        choices=[
            ("member", "UN member state"),
            ("observer", "UN observer state"),
            ("other", "Other"),
        ],
    )
    groups = models.ManyToManyField(CountryGroup, related_name="countries", blank=True)

    objects = CountryQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "countries"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return _country_url(settings.ROOT_URLCONF, get_urlconf(), get_script_prefix(), self.code)

    @property
    def code(self):
        """The lower-case alpha-2 code public URLs use."""
        return self.iso2.lower()


class Framework(models.Model):
    ICMEC = "icmec"
    LANZAROTE = "lanzarote"

    code = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    short_name = models.CharField(max_length=50)
    publisher = models.CharField(max_length=200)
    edition = models.CharField(max_length=100, blank=True)
    year = models.PositiveSmallIntegerField()
    url = models.URLField("official link")
    description = models.TextField()
    assessment_note = models.TextField(blank=True)
    is_treaty = models.BooleanField(
        default=False, help_text="Countries become Parties to a treaty; a model law has no Parties."
    )
    display_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["display_order"]

    def __str__(self):
        return self.short_name


class CriterionQuerySet(models.QuerySet):
    def leaves(self):
        return self.filter(is_leaf=True)

    def articles(self):
        return self.filter(is_leaf=False)

    def of_framework(self, code):
        return self.filter(framework__code=code)


class Criterion(models.Model):
    class Reservation(models.TextChoices):
        NO = "no", "no reservation allowed"
        YES = "yes", "may be reserved in full"
        PARTIAL = "partial", "may be reserved in part"

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="criteria")
    code = models.CharField(
        max_length=20, unique=True, help_text="Stable code, e.g. ICMEC.4 or L20.1.e."
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text="For Lanzarote sub-paragraphs: the article they belong to.",
    )
    is_leaf = models.BooleanField(
        default=True,
        help_text="Leaves are assessed; article nodes are rolled up from their sub-paragraphs.",
    )
    article = models.CharField(max_length=10, blank=True, help_text="Convention article, e.g. 20.")
    title = models.CharField(max_length=200)
    summary = models.TextField(help_text="One plain-language line: what the criterion asks.")
    must_contain = models.TextField(
        "what a law must contain",
        blank=True,
        help_text="Drafting guidance shown in gap reports as what a good law would say.",
    )
    common_gaps = models.TextField(blank=True, help_text="How laws typically fall short.")
    priority = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="1 = address first when a country has several gaps."
    )
    priority_reason = models.TextField(blank=True)
    reservation_allowed = models.CharField(
        max_length=10, choices=Reservation.choices, default=Reservation.NO
    )
    reservation_article = models.CharField(
        max_length=20, blank=True, help_text="The Convention paragraph permitting a reservation."
    )
    display_order = models.PositiveSmallIntegerField(default=0)

    objects = CriterionQuerySet.as_manager()

    class Meta:
        ordering = ["framework__display_order", "display_order"]
        verbose_name_plural = "criteria"

    def __str__(self):
        return f"{self.code} {self.title}"

    def get_absolute_url(self):
        return reverse("legislation:criterion", kwargs={"code": self.code})

    @property
    def allows_reservation(self):
        """Whether a cell may read "reserved". A reservation the Convention allows only in part
        (e.g. Art. 20(3) for consensual self-produced images) leaves the rest of the offence in
        force, so such a cell keeps its own status and shows the reservation beside it."""
        return self.reservation_allowed == self.Reservation.YES

    def reserved_refusal(self):
        """Why "reserved" is not possible for this criterion, or "" where it is."""
        if self.reservation_allowed == self.Reservation.PARTIAL:
            return (
                f"“reserved” is not possible for {self.code} ({self.title}): the Convention "
                f"allows a reservation to only part of it (Art. {self.reservation_article}). "
                "Give the status of the rest of the offence; the Party's reservation is shown "
                "beside the cell."
            )
        if self.reservation_allowed == self.Reservation.NO:
            return (
                f"“reserved” is not possible for {self.code} ({self.title}): "
                "the Convention allows no reservation to it."
            )
        return ""


class PublishedFigure(models.Model):
    """An aggregate as ICMEC (or a report citing it) published it — never computed here."""

    class SufficiencyRule(models.TextChoices):
        # ICMEC changed what "sufficient" counts at its 7th edition (2012): the series before
        # and after is not one measure.
        ALL_OR_ALL_BUT_ISP = (
            "all_or_all_but_isp",
            ("“sufficient” = met all criteria, or all but ISP reporting (editions before the 7th)"),
        )
        FOUR_OR_MORE = "four_or_more", "“sufficient” = any four or more criteria (7th edition on)"

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="figures")
    edition = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Blank for an update published between editions."
    )
    release = models.CharField(
        max_length=50,
        blank=True,
        help_text="The edition or update as published, e.g. “July 2009 update”.",
    )
    published = models.CharField(
        max_length=20, blank=True, help_text="Year or month of publication, as the source gives it."
    )
    sufficiency_rule = models.CharField(
        max_length=20,
        choices=SufficiencyRule.choices,
        blank=True,
        help_text="For “sufficient” counts: which meaning of the word the figure uses.",
    )
    reliability = models.CharField("how far to trust it", max_length=300, blank=True)
    note = models.TextField(blank=True, help_text="Other facts the source gives with it.")
    year = models.PositiveSmallIntegerField()
    figure = models.SlugField(max_length=50)
    scope = models.SlugField(
        max_length=50, help_text="“all” = all countries reviewed; otherwise the subset counted."
    )
    value = models.PositiveIntegerField()
    meaning = models.TextField()
    source = models.TextField()

    class Meta:
        ordering = ["-edition", "figure"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "edition", "figure", "scope"], name="one_published_figure"
            )
        ]

    def __str__(self):
        return f"{self.framework} ed. {self.edition}: {self.figure} = {self.value}"
