"""File names from clients, made safe to show and to offer as a download name."""

import re
import unicodedata

MAX_NAME_LENGTH = 120

#: Control, format (bidirectional overrides, zero-width), surrogate, private and unassigned.
_DROPPED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}
_REPLACED = re.compile(r'[<>:"|?*]')
_EXTENSION_ALIASES = {".jpg": {".jpg", ".jpeg", ".jpe", ".jfif"}, ".mov": {".mov", ".qt"}}


def clean_filename(name: str | None, *, fallback: str = "upload") -> str:
    """Make a client's file name safe to display: its last path component, without control or
    bidirectional-override characters, whitespace collapsed, at most ``MAX_NAME_LENGTH`` long."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        " " if ch.isspace() else ch
        for ch in name
        if ch.isspace() or unicodedata.category(ch) not in _DROPPED_CATEGORIES
    )
    name = _REPLACED.sub("_", " ".join(name.split())).strip(" .")
    if not name:
        return fallback
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        if dot and stem and len(ext) <= 10:
            name = f"{stem[: MAX_NAME_LENGTH - len(ext) - 2].rstrip()}….{ext}"
        else:
            name = name[: MAX_NAME_LENGTH - 1] + "…"
    return name


def safe_download_name(name: str, extension: str) -> str:
    """``name`` cleaned and ending in ``extension``, the type its content was found to be."""
    name = clean_filename(name)
    stem, dot, ext = name.rpartition(".")
    if dot and stem and f".{ext.lower()}" in _EXTENSION_ALIASES.get(extension, {extension}):
        return name
    if dot and stem and len(ext) <= 10:
        name = stem
    return f"{name}{extension}"
