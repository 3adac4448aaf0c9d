"""Handing a private file to a user whom the caller has already authorised."""

import re
import unicodedata
from urllib.parse import quote

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest

from portal.uploads.checks import CHUNK_SIZE
from portal.uploads.formats import TYPES
from portal.uploads.names import clean_filename

#: How long a browser may keep a private file it was allowed to see.
PRIVATE_FILE_MAX_AGE = 600
#: Content types a browser may show in the page; anything else is only ever downloaded.
INLINE_CONTENT_TYPES = frozenset(t.content_type for t in TYPES)
# The browser shows an image opened on its own in a document it builds and styles inline; the
# response is an image (nosniff, sandboxed), so allowing inline style lets nothing of ours run.
MEDIA_CSP = "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; sandbox"
_ASCII_UNSAFE = re.compile(r"[^A-Za-z0-9 ._()+-]+")


def content_disposition(name: str, *, inline: bool) -> str:
    """A ``Content-Disposition`` value: an ASCII ``filename`` every browser understands and,
    when that had to change the name, the exact name as RFC 6266 ``filename*``."""
    name = clean_filename(name, fallback="download")
    fallback = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    fallback = " ".join(_ASCII_UNSAFE.sub("_", fallback).split())
    stem, dot, ext = fallback.rpartition(".")
    if not re.search("[A-Za-z0-9]", stem if dot else fallback):
        fallback = f"download.{ext}" if dot and ext else "download"
    fallback = fallback.strip(" .")
    value = f'{"inline" if inline else "attachment"}; filename="{fallback}"'
    if fallback != name:
        value += f"; filename*=UTF-8''{quote(name, safe='')}"
    return value


def private_file_response(
    file_field: FieldFile,
    *,
    download_name: str,
    content_type: str,
    inline: bool,
    request: HttpRequest | None = None,
    max_age: int = PRIVATE_FILE_MAX_AGE,
) -> FileResponse:
    """Stream a file from private storage with headers that keep it from being anything but
    the photo or video it is: ``nosniff``, a sandboxing CSP, a cleaned ``Content-Disposition``
    and private caching.

    Only photo and video types are shown inline; anything else is an ``attachment`` of
    ``application/octet-stream``. Given the ``request``, a single byte range is honoured, as
    browsers (Safari especially) need to play and seek in videos.

    :raises Http404: the field is empty or its file is missing from storage
    """
    if content_type not in INLINE_CONTENT_TYPES:
        content_type, inline = "application/octet-stream", False
    if not file_field or not file_field.name:
        raise Http404("No file.")
    storage = file_field.storage
    try:
        size = storage.size(file_field.name)
        file = storage.open(file_field.name, "rb")
    except FileNotFoundError:
        raise Http404("File missing from storage.") from None

    byte_range = _parse_range(request.headers.get("Range", ""), size) if request is not None else None
    if byte_range is None:
        response = FileResponse(file, content_type=content_type)
    else:
        start, stop = byte_range
        response = FileResponse(_RangeStream(file, start, stop), content_type=content_type, status=206)
        response["Content-Length"] = str(stop - start)
        response["Content-Range"] = f"bytes {start}-{stop - 1}/{size}"
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = content_disposition(download_name, inline=inline)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = f"private, max-age={max_age}"
    response["Content-Security-Policy"] = MEDIA_CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


def _parse_range(header: str, size: int) -> tuple[int, int] | None:
    """``(start, stop)`` of a single satisfiable ``bytes=`` range; ``None`` means the whole file."""
    match = re.fullmatch(r"\s*bytes=(\d*)-(\d*)\s*", header)
    if not match or size == 0 or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if first:
        start, stop = int(first), min(int(last) + 1, size) if last else size
    else:
        start, stop = max(size - int(last), 0), size
    return (start, stop) if start < stop else None


class _RangeStream:
    """Bytes ``start``..``stop`` of a file, in chunks; the response closes the file."""

    def __init__(self, file, start: int, stop: int) -> None:
        self.file, self.start, self.stop = file, start, stop

    def __iter__(self):
        self.file.seek(self.start)
        remaining = self.stop - self.start
        while remaining > 0 and (chunk := self.file.read(min(CHUNK_SIZE, remaining))):
            remaining -= len(chunk)
            yield chunk

    def close(self) -> None:
        self.file.close()
