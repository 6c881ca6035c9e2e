"""A change to a source raises the cells version of every country with a cell citing it.

A kept matrix row shows its cells' source citations (title and page): a source edited, by
whatever means, must retire the rows that cite it as a change to the cells themselves would
(models/versions.py, `CellsVersion`). So an edit to the evidence needs no change to the
shared version, and pages keep their filter form, countries and the other rows.
"""

from django.db import migrations

CELLS = "legislation_assessment"
VERSIONS = "legislation_cellsversion"
SOURCES = "legislation_source"

CITING = f"SELECT DISTINCT country_id FROM {CELLS} WHERE source_id = NEW.id"

SEQUENCE = "legislation_cells_version_seq"  # made by 0010, as is the rule for a new number
RANDOM = "(random() & 9223372036854775807)"

POSTGRESQL = [
    f"""
    CREATE FUNCTION legislation_raise_citing_cells_version() RETURNS trigger AS $$
    BEGIN
        INSERT INTO {VERSIONS} (country_id, number)
        SELECT country_id, nextval('{SEQUENCE}') FROM ({CITING}) AS citing
        ON CONFLICT (country_id) DO UPDATE SET number = EXCLUDED.number;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql
    """,
    f"""
    CREATE TRIGGER legislation_source_changed AFTER UPDATE ON {SOURCES}
    FOR EACH ROW EXECUTE FUNCTION legislation_raise_citing_cells_version()
    """,
]
POSTGRESQL_REVERSE = [
    f"DROP TRIGGER IF EXISTS legislation_source_changed ON {SOURCES}",
    "DROP FUNCTION IF EXISTS legislation_raise_citing_cells_version()",
]
SQLITE = [
    f"CREATE TRIGGER legislation_source_changed AFTER UPDATE ON {SOURCES} BEGIN "
    f"INSERT OR REPLACE INTO {VERSIONS} (country_id, number) "
    f"SELECT country_id, {RANDOM} FROM ({CITING}); "
    "END",
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS legislation_source_changed"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor not in statements_by_vendor:
            raise RuntimeError(f"cell versions need triggers written for {vendor}")
        for statement in statements_by_vendor[vendor]:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ("legislation", "0010_cells_version"),
    ]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE}),
        ),
    ]
