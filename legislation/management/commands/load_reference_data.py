from django.core.management.base import BaseCommand

from legislation.reference_data import load_reference_data


class Command(BaseCommand):
    help = "Load countries, frameworks, criteria, Parties, figures and seed cells (idempotent)."

    def handle(self, *args, **options):
        report = load_reference_data()
        lines = list(report.lines())
        for line in lines:
            self.stdout.write(line)
        if not lines:
            self.stdout.write("Reference data already up to date; nothing changed.")
