"""The dossier's ZIP: the PDF, the evidence files, ``manifest.json`` with every file's size and
SHA-256, the portal's signature of the manifest, and a standalone script that checks them."""

import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from django.core import signing
from django.db.models.fields.files import FieldFile
from django.utils.crypto import constant_time_compare

from disputes.dossier import standalone_verify
from disputes.dossier.contents import Dossier
from portal.uploads import safe_download_name

SIGNATURE_SALT = "disputes.dossier.manifest"
SCRIPT = Path(standalone_verify.__file__)


CHUNK = 1 << 20


def archive_name(dossier: Dossier) -> str:
    return f"dossier-{dossier.dispute.reference}-{dossier.dispute.order.number}.zip"


def _evidence_files(dossier: Dossier) -> Iterator[tuple[str, FieldFile, dict]]:
    for entry in dossier.evidence:
        stored = entry.packed_field
        if not stored:
            continue  # a photo whose display copy is not made yet: listed in the PDF only
        item = entry.evidence
        extension = item.extension if entry.copy == "original" else ".jpg"
        name = safe_download_name(item.original_name, extension)
        yield (
            f"evidence/{entry.number:02d}-{item.party}-{name}",
            stored,
            {
                "evidence_id": str(item.public_id),
                "original_name": item.original_name,
                "party": item.party,
                "copy": entry.copy,
                "received_at": item.received_at.isoformat(),
                "original_size": item.size,
                "original_sha256": item.sha256,
            },
        )


def _pack(archive: zipfile.ZipFile, path: str, source: BinaryIO, *, compress: bool) -> dict:
    """Copy ``source`` into the ZIP in chunks (a video may be 100 MB), hashing it on the way."""
    digest, size = hashlib.sha256(), 0
    compression = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    info = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = compression
    with archive.open(info, "w", force_zip64=True) as member:
        for chunk in iter(lambda: source.read(CHUNK), b""):
            digest.update(chunk)
            size += len(chunk)
            member.write(chunk)
    return {"path": path, "size": size, "sha256": digest.hexdigest()}


def build_archive(dossier: Dossier, *, pdf: bytes, into: BinaryIO) -> None:
    """Write the ZIP of ``dossier`` into the file ``into``: originals for mediators, display
    copies for parties, then the manifest of what was written and its signature."""
    with zipfile.ZipFile(into, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        listed = [_pack(archive, "dossier.pdf", io.BytesIO(pdf), compress=True)]
        for path, stored, facts in _evidence_files(dossier):
            with stored.storage.open(stored.name, "rb") as source:
                # Photos and videos are compressed already: stored as they are, byte for byte.
                listed.append({**_pack(archive, path, source, compress=False), **facts})
        manifest = {
            "format": "portal-case-dossier/1",
            "dispute": dossier.dispute.reference,
            "order": dossier.dispute.order.number,
            "generated_at": dossier.generated_at.isoformat(),
            "generated_for": dossier.reader_party,
            "evidence": "originals" if dossier.with_originals else "display copies",
            "algorithm": "sha256",
            "files": listed,
        }
        manifest_bytes = json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8")
        archive.writestr("manifest.json", manifest_bytes)
        archive.writestr("manifest.sig", signing.Signer(salt=SIGNATURE_SALT).signature(manifest_bytes))
        archive.writestr("verify_dossier.py", SCRIPT.read_bytes())


def verify_archive(path) -> list[str]:
    """Every problem with the dossier at ``path``: a file altered, missing or added (the check
    the packed script makes), and a manifest this portal did not sign."""
    problems = standalone_verify.check(path)
    if problems and "manifest.json" in problems[0] and "missing" in problems[0]:
        return problems
    try:
        with zipfile.ZipFile(path) as archive:
            manifest_bytes = archive.read("manifest.json")
            signature = archive.read("manifest.sig").decode("ascii", "replace").strip()
    except (OSError, KeyError, zipfile.BadZipFile):
        return [*problems, "manifest.sig is missing: the manifest cannot be traced to this portal"]
    expected = signing.Signer(salt=SIGNATURE_SALT).signature(manifest_bytes)
    if not constant_time_compare(signature, expected):
        problems.append("manifest.json was not signed by this portal (or was changed after signing)")
    return problems
