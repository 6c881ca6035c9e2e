"""Atom feeds of approved changes: all, per country, per criterion, per framework.

Each entry states the change in words and links to it on `/changes/`; no entry names a
person (there is no author element): the public reason and the kind of change say why."""

import datetime
from urllib.parse import urlencode

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed

from legislation import history
from legislation.models import Country, Criterion, Framework

FEED_DAYS = 365  # entries from the last year: enough for any reader polling the feed
FEED_ENTRIES = 100


class ChangesFeed(Feed):
    feed_type = Atom1Feed
    scope = "all"

    def get_object(self, request, code=None):
        return None

    def cell_filter(self, obj):
        return {}

    def title(self, obj):
        return "Child sexual exploitation laws: approved changes"

    def subtitle(self, obj):
        return (
            "Every approved change to a country's record against the ICMEC model legislation "
            "and the Lanzarote Convention, with its kind (law amended, new evidence, …)."
        )

    def link(self, obj):
        return reverse("legislation:changes") + self.changes_query(obj)

    def changes_query(self, obj):
        return ""

    def items(self, obj):
        since = timezone.now() - datetime.timedelta(days=FEED_DAYS)
        return history.changes_between(since, None, **self.cell_filter(obj))[:FEED_ENTRIES]

    def item_title(self, change):
        return (
            f"{change.country.name} – {change.criterion.code}: "
            f"{change.old_status.label} → {change.new_status.label} ({change.reason_label})"
        )

    def item_description(self, change):
        words = f"{change.country.name}, {change.criterion.code} {change.criterion.title}. "
        words += f"{change.describe()}. Kind of change: {change.reason_label}."
        if change.public_reason:
            words += f" Reason: {change.public_reason}"
        return words

    def item_link(self, change):
        day = change.when.date().isoformat()
        query = urlencode(
            {"country": change.country.code.lower(), "criterion": change.criterion.code}
        )
        return (
            f"{reverse('legislation:changes')}?{query}&from={day}&to={day}"
            f"#change-{change.record.history_id}"
        )

    def item_guid(self, change):
        return f"tag:csem-gap-analysis,2026:change-{change.record.history_id}"

    item_guid_is_permalink = False

    def item_pubdate(self, change):
        return change.when

    def item_updateddate(self, change):
        return change.when


class CountryChangesFeed(ChangesFeed):
    def get_object(self, request, code=None):
        country = Country.objects.filter(iso2=code.upper()).first()
        if country is None:
            raise Http404("No country has that code.")
        return country

    def cell_filter(self, obj):
        return {"country": obj}

    def changes_query(self, obj):
        return f"?country={obj.code.lower()}"

    def title(self, obj):
        return f"{obj.name}: approved changes to its record"


class CriterionChangesFeed(ChangesFeed):
    def get_object(self, request, code=None):
        criterion = Criterion.objects.leaves().filter(code=code).first()
        if criterion is None:
            raise Http404("No assessed criterion has that code.")
        return criterion

    def cell_filter(self, obj):
        return {"criterion": obj}

    def changes_query(self, obj):
        return f"?criterion={obj.code}"

    def title(self, obj):
        return f"{obj.code} {obj.title}: approved changes in every country"


class FrameworkChangesFeed(ChangesFeed):
    def get_object(self, request, code=None):
        framework = Framework.objects.filter(code=code).first()
        if framework is None:
            raise Http404("No framework has that code.")
        return framework

    def cell_filter(self, obj):
        return {"criterion__framework": obj}

    def changes_query(self, obj):
        return f"?framework={obj.code}"

    def title(self, obj):
        return f"{obj.short_name}: approved changes"
