"""System checks of the app against its database (`manage.py check --database default`;
`migrate` runs them too)."""

from importlib import import_module

from django.core import checks
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder

CELLS_VERSION_MIGRATION = "0010_cells_version"


@checks.register(checks.Tags.database)
def cells_version_triggers(app_configs=None, databases=None, **kwargs):
    """The triggers that keep each country's cells version (models/versions.py) are in the
    database once their migration is applied. Without them the comparison page would keep
    rows of cells that have since changed: a restore that leaves triggers out, or a later
    migration that rebuilds the cells table on SQLite, would lose them silently."""
    made = import_module(f"legislation.migrations.{CELLS_VERSION_MIGRATION}").TRIGGERS
    errors = []
    for alias in databases or ():
        connection = connections[alias]
        recorder = MigrationRecorder(connection)
        if connection.vendor not in made or not recorder.has_table():
            continue
        applied = recorder.migration_qs.filter(app="legislation", name=CELLS_VERSION_MIGRATION)
        if not applied.exists():
            continue
        missing = sorted(set(made[connection.vendor]) - _triggers(connection))
        if missing:
            errors.append(
                checks.Error(
                    f"The database {alias!r} lacks the triggers {', '.join(missing)}: the "
                    "comparison page would show rows of cells that have since changed.",
                    hint="Make them again: manage.py migrate --skip-checks legislation "
                    "0009, then manage.py migrate; then restart the workers (each keeps rows "
                    "under the numbers the triggers should have changed).",
                    id="legislation.E001",
                )
            )
    return errors


def _triggers(connection):
    """The names of the triggers in this database."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        return {name for (name,) in cursor.fetchall()}
