from django.core.management.base import BaseCommand

from legislation.editorial import dataset


class Command(BaseCommand):
    help = "Write the whole dataset (with review state and history) to a versioned JSON file."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Where to write; a name ending .gz is gzipped.")
        parser.add_argument(
            "--no-history", action="store_true", help="Leave out the history tables."
        )

    def handle(self, *args, **options):
        counts = dataset.export_dataset(options["file"], history=not options["no_history"])
        total = sum(counts.values())
        self.stdout.write(
            f"Wrote {total} records to {options['file']} (format {dataset.FORMAT} "
            f"version {dataset.VERSION})."
        )
        for label, n in counts.items():
            self.stdout.write(f"  {label}: {n}")
