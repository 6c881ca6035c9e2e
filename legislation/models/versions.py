"""The public data's version, shared by every process through the database."""

from django.db import models
from django.utils import timezone


class DataVersion(models.Model):
    """A single row whose number rises, in the same transaction, with every change that shows
    on a public page (signals.py). Every process reads it (one primary-key lookup) into the
    key of every cached page, so no process can serve a page from before a committed change,
    whatever cache it has; `changed_at` is the pages' Last-Modified."""

    number = models.PositiveBigIntegerField(default=0)
    # Raised with `number` by every public change except to cells (their values, their
    # provisions) and the evidence they cite (sources, instruments, provisions): what a page
    # shows besides them (countries, groups, criteria, ratings, …) is unchanged while it
    # stays, so it may be reused after such a change (signals.py, CELLS_AND_EVIDENCE).
    shared = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"data version {self.number} ({self.changed_at:%Y-%m-%d %H:%M:%S})"


class CellsVersion(models.Model):
    """Per country, a number that changes in the same transaction as any change to one of
    its cells or to a source one of them cites, whatever makes it: the database's own
    triggers change it (migration 0010), so a bulk write, an update through a queryset or a
    restore changes it as a save does. It never comes back to a number the country had, even
    after a rollback: from a sequence on PostgreSQL, a random 63-bit number on SQLite. (A
    future migration that rebuilds the cells or sources table on SQLite drops its triggers:
    the tests of each kind of write would fail.)

    A page that keeps matrix rows between requests (`matrix.build_summary_matrix(kept_rows=…)`)
    reads these numbers, a few hundred integers, and reads the cells of only the countries
    whose number changed, rather than every cell to find what changed.

    No foreign key: a trigger writes here while the country's cells are deleted with it, in
    whatever order. A country with no row has number 0 (no cell changed since the triggers
    were made: its cells are those it had then)."""

    country_id = models.BigIntegerField(primary_key=True)
    number = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return f"cells of country {self.country_id}: version {self.number}"

    @classmethod
    def numbers_of(cls, country_ids, *, few):
        """{country id: number} for these countries (0 for one with no row). Read for these
        countries only when there are `few`, else all rows (cheaper than planning a long
        list of ids) and the others dropped."""
        rows = cls.objects.order_by()
        if len(country_ids) <= few:
            rows = rows.filter(country_id__in=country_ids)
        numbers = dict(rows.values_list("country_id", "number"))
        return {pk: numbers.get(pk, 0) for pk in country_ids}
