from django.core.management.base import BaseCommand, CommandError

from legislation.models import Release
from legislation.releases import package


class Command(BaseCommand):
    help = "Re-read a stored release: every file's SHA-256 and the zip rebuilt byte for byte."

    def add_arguments(self, parser):
        parser.add_argument("version", help="A release version, or latest.")

    def handle(self, *args, version, **options):
        release = Release.objects.by_name(version)
        if release is None:
            raise CommandError(f"No data release has the version {version}.")
        problems = package.verify(release)
        if problems:
            raise CommandError("; ".join(problems))
        self.stdout.write(f"Release {release.version}: every file and the zip match.")
