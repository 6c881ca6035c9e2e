from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from legislation.releases import package


class Command(BaseCommand):
    help = "Cut an immutable data release (a Frictionless Data Package) of the public data."

    def add_arguments(self, parser):
        parser.add_argument("version", help="MAJOR.MINOR.PATCH; must match the changes made.")
        parser.add_argument("--notes", required=True, help="What the release is (public).")

    def handle(self, *args, version, notes, **options):
        try:
            release = package.create_release(version, notes)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        counts = release.counts
        self.stdout.write(
            f"Release {release.version} ({release.level}): {counts['countries']} countries, "
            f"{counts['cells']} cells ({counts['assessed']} assessed), "
            f"zip SHA-256 {release.zip_sha256}"
        )
