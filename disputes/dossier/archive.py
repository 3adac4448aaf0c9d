"""The dossier's ZIP: the PDF, the evidence files, ``manifest.json`` with every file's size and
SHA-256, the portal's signature of the manifest, and a standalone script that checks them."""

import hashlib
import io
import json
import zipfile
from pathlib import Path

from django.core import signing
from django.utils.crypto import constant_time_compare

from disputes.dossier import standalone_verify
from disputes.dossier.contents import Dossier
from portal.uploads import safe_download_name

SIGNATURE_SALT = "disputes.dossier.manifest"
SCRIPT = Path(standalone_verify.__file__)


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _read(field) -> bytes:
    with field.storage.open(field.name, "rb") as file:
        return file.read()


def archive_name(dossier: Dossier) -> str:
    return f"dossier-{dossier.dispute.reference}-{dossier.dispute.order.number}.zip"


def _evidence_files(dossier: Dossier) -> list[tuple[str, bytes, dict]]:
    files = []
    for entry in dossier.evidence:
        stored = entry.packed_field
        if not stored:
            continue  # a photo whose display copy is not made yet: listed in the PDF only
        item = entry.evidence
        extension = item.extension if entry.copy == "original" else ".jpg"
        name = safe_download_name(item.original_name, extension)
        path = f"evidence/{entry.number:02d}-{item.party}-{name}"
        facts = {
            "evidence_id": str(item.public_id),
            "original_name": item.original_name,
            "party": item.party,
            "copy": entry.copy,
            "received_at": item.received_at.isoformat(),
            "original_size": item.size,
            "original_sha256": item.sha256,
        }
        files.append((path, _read(stored), facts))
    return files


def build_archive(dossier: Dossier, *, pdf: bytes) -> bytes:
    """The ZIP of ``dossier``: originals for mediators, display copies for parties."""
    files = [("dossier.pdf", pdf, {}), *_evidence_files(dossier)]
    manifest = {
        "format": "portal-case-dossier/1",
        "dispute": dossier.dispute.reference,
        "order": dossier.dispute.order.number,
        "generated_at": dossier.generated_at.isoformat(),
        "generated_for": dossier.reader_party,
        "evidence": "originals" if dossier.with_originals else "display copies",
        "algorithm": "sha256",
        "files": [
            {"path": path, "size": len(content), "sha256": _sha256(content), **facts}
            for path, content, facts in files
        ],
    }
    manifest_bytes = json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", manifest_bytes)
        archive.writestr("manifest.sig", signing.Signer(salt=SIGNATURE_SALT).signature(manifest_bytes))
        archive.writestr("verify_dossier.py", SCRIPT.read_bytes())
        for path, content, _facts in files:
            # Photos and videos are compressed already: stored as they are, byte for byte.
            compression = zipfile.ZIP_DEFLATED if path.endswith(".pdf") else zipfile.ZIP_STORED
            archive.writestr(path, content, compress_type=compression)
    return buffer.getvalue()


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
