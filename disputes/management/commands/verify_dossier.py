"""``manage.py verify_dossier <zip>``: check a case dossier's files against its manifest and the
manifest against this portal's signature."""

from django.core.management.base import BaseCommand, CommandError

from disputes.dossier.archive import verify_archive


class Command(BaseCommand):
    help = "Check that every file in a case dossier ZIP matches its manifest.json, signed by this portal."

    def add_arguments(self, parser) -> None:
        parser.add_argument("archive", help="the dossier ZIP file")

    def handle(self, *args, archive: str, **options) -> None:
        problems = verify_archive(archive)
        if problems:
            for problem in problems:
                self.stderr.write(f"ALTERED  {problem}")
            raise CommandError(f"{archive}: the dossier does not match its manifest")
        self.stdout.write(self.style.SUCCESS(f"OK  {archive}: every file matches the signed manifest.json"))
