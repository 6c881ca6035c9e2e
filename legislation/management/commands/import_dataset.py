from django.core.management.base import BaseCommand, CommandError

from legislation.editorial import dataset


class Command(BaseCommand):
    help = "Load a file written by export_dataset into an empty database (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete the dataset already in this database first (people are kept).",
        )

    def handle(self, *args, **options):
        try:
            data = dataset.read(options["file"])
            counts = dataset.import_dataset(data, replace=options["replace"])
        except dataset.DatasetError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Loaded {sum(counts.values())} records from {options['file']}.")
        for label, n in counts.items():
            self.stdout.write(f"  {label}: {n}")
