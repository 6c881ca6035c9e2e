from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from legislation.editorial import importing, workflow
from legislation.wording import counted


class Command(BaseCommand):
    help = (
        "Check a CSV/XLSX file of assessments (dry run, exit status 1 on any error); with "
        "--apply, propose its changed rows for review, all or none."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="A .csv or .xlsx file in the long export's shape.")
        parser.add_argument("--user", required=True, help="Username of the importing editor.")
        parser.add_argument(
            "--apply", action="store_true", help="Propose the changes (default: dry run only)."
        )
        parser.add_argument(
            "--reason", default="", help="Change reason kept in history (default names the file)."
        )
        parser.add_argument(
            "--show-unchanged", action="store_true", help="List unchanged rows too."
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None or not user.is_active:
            raise CommandError(f"No active user named “{options['user']}”.")
        if not user.has_perm(workflow.PROPOSE_PERMISSION):
            raise CommandError(f"{user} may not propose changes (not in the Editors group).")
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        if path.stat().st_size > settings.IMPORT_MAX_BYTES:
            raise CommandError(
                f"{path}: the file is too large ({path.stat().st_size:,} bytes; the limit is "
                f"{settings.IMPORT_MAX_BYTES:,} bytes, IMPORT_MAX_BYTES)."
            )
        result = importing.preview(path.name, path.read_bytes(), author=user)
        for warning in result.warnings:
            self.stdout.write(f"warning: {warning}")
        for row in result.rows:
            if row.outcome == "unchanged" and not options["show_unchanged"]:
                continue
            if row.outcome == "error":
                continue
            detail = workflow.describe_diff(row.changes) if row.changes else ""
            notes = f" ({'; '.join(row.notes)})" if row.notes else ""
            self.stdout.write(f"Row {row.line}: {row.outcome} {row.label}: {detail}{notes}")
        for error in result.errors:
            self.stderr.write(error)
        if result.rows:
            self.stdout.write(result.summary())
        if not result.ok:
            raise CommandError(f"{counted(len(result.errors), 'error')}: nothing was proposed.")
        if not options["apply"]:
            self.stdout.write("Dry run: nothing was saved. Run again with --apply to propose.")
            return
        reason = options["reason"] or f"Import of {path.name} (sha256 {result.sha256[:12]})"
        try:
            outcome = importing.apply_import(result, user, reason)
        except workflow.WorkflowError as error:
            for message in error.messages:
                self.stderr.write(message)
            raise CommandError("Nothing was proposed.") from None
        if outcome.batch is None:
            self.stdout.write("Nothing to propose: every row equals the approved value.")
            return
        self.stdout.write(
            f"Proposed {counted(len(outcome.proposals), 'change')} as batch #{outcome.batch.pk}; "
            "they reach public pages when a Reviewer approves them."
        )
