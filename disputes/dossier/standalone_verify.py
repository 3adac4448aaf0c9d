#!/usr/bin/env python3
"""Check a case dossier: every file that ``manifest.json`` lists is in the ZIP with the same size
and SHA-256, and the ZIP holds nothing the manifest does not list.

Usage: python3 verify_dossier.py dossier.zip   (exit status 0: intact; 1: altered)

This script is packed into every dossier and needs nothing but Python 3's standard library, so
whoever receives a dossier (a payment-dispute team, a court) can check it without the portal.
"""

import hashlib
import json
import sys
import zipfile

MANIFEST = "manifest.json"
#: Files that describe the dossier rather than belong to it.
UNLISTED = {MANIFEST, "manifest.sig", "verify_dossier.py"}


def sha256_of(archive: zipfile.ZipFile, name: str) -> str:
    digest = hashlib.sha256()
    with archive.open(name) as member:
        for chunk in iter(lambda: member.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check(path) -> list[str]:
    """The problems found in the dossier at ``path``, one sentence each; empty when intact."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as error:
        return [f"not a readable ZIP file: {error}"]
    with archive:
        names = set(archive.namelist())
        if MANIFEST not in names:
            return ["manifest.json is missing"]
        try:
            manifest = json.loads(archive.read(MANIFEST))
            listed = {entry["path"]: entry for entry in manifest["files"]}
        except (ValueError, KeyError, TypeError) as error:
            return [f"manifest.json is not a dossier manifest: {error}"]
        problems = []
        for path_in_zip, entry in sorted(listed.items()):
            if path_in_zip not in names:
                problems.append(f"{path_in_zip}: listed in the manifest but missing")
                continue
            size = archive.getinfo(path_in_zip).file_size
            if size != entry.get("size"):
                problems.append(f"{path_in_zip}: size {size} bytes, the manifest says {entry.get('size')}")
            try:
                digest = sha256_of(archive, path_in_zip)
            except zipfile.BadZipFile as error:
                problems.append(f"{path_in_zip}: cannot be read ({error})")
                continue
            if digest != entry.get("sha256"):
                expected = entry.get("sha256")
                problems.append(f"{path_in_zip}: SHA-256 {digest} differs from the manifest's {expected}")
        for extra in sorted(names - set(listed) - UNLISTED):
            if not extra.endswith("/"):
                problems.append(f"{extra}: in the ZIP but not in the manifest")
        return problems


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    problems = check(argv[1])
    for problem in problems:
        print(f"ALTERED  {problem}")
    if problems:
        return 1
    print("OK  every file matches manifest.json")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
