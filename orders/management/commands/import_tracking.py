"""Take carriers' tracking updates from a file, for marketplaces and carriers without webhooks.

JSON Lines (``.jsonl``), one update per line::

    {"carrier": "dhl", "tracking_number": "LX123456789CN", "status": "delivered",
     "occurred_at": "2026-11-05T10:00:00Z"}

or CSV (``.csv``) with the header ``carrier,tracking_number,status,occurred_at``. Each update goes
through the same code as the tracking webhook, so importing a file again changes nothing. An
unknown shipment or a bad line is reported with its line number and the rest go on.
"""

import csv
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from orders import tracking


def _records(path: Path, kind: str) -> Iterator[tuple[int, object]]:
    """``(line number, record)`` of each update in the file; a line that is not JSON is a string."""
    with path.open(encoding="utf-8", newline="") as export:
        if kind == "csv":
            reader = csv.DictReader(export)
            for row in reader:
                yield reader.line_num, row
            return
        for number, text in enumerate(export, start=1):
            if not text.strip():
                continue
            try:
                yield number, json.loads(text)
            except ValueError:
                yield number, text.strip()


class Command(BaseCommand):
    help = "Import carriers' tracking updates (JSON Lines or CSV): deliveries recorded, once."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path, help="A .jsonl or .csv file, one update per line.")
        parser.add_argument(
            "--format", choices=["jsonl", "csv"], help="The file's format; by default from its extension."
        )

    def handle(self, *args, path: Path, format: str | None = None, **options) -> None:
        if not path.exists():
            raise CommandError(f"{path} does not exist.")
        kind = format or ("csv" if path.suffix.lower() == ".csv" else "jsonl")
        results: Counter[str] = Counter()
        for number, record in _records(path, kind):
            try:
                if isinstance(record, str):
                    raise tracking.MalformedUpdate("not a JSON object")
                update = tracking.parse_update(record)
                results[tracking.record_tracking_update(update=update, now=timezone.now())] += 1
            except tracking.UnknownShipment as error:
                results["unknown shipment"] += 1
                self.stderr.write(f"line {number}: {error}")
            except tracking.TrackingError as error:
                results["bad line"] += 1
                self.stderr.write(f"line {number}: {error}")
        self.stdout.write(
            ", ".join(f"{what}: {count}" for what, count in sorted(results.items())) or "nothing"
        )
        refused = results["unknown shipment"] + results["bad line"]
        if refused:
            raise CommandError(f"{refused} line(s) could not be applied; the others were.")
