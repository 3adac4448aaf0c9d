"""The allowed file formats: their signatures, and walks over their structure that tell a whole
file from a truncated, padded or glued-together one. Nothing here decodes pixels."""

from dataclasses import dataclass
from typing import IO

PHOTO = "photo"
VIDEO = "video"


@dataclass(frozen=True)
class FileType:
    kind: str
    content_type: str
    extension: str
    label: str
    pil_format: str = ""
    #: The decoder can produce the picture at 1/2, 1/4 or 1/8 of its size without ever holding the
    #: full-size bitmap (JPEG's DCT scaling, ``Image.draft``); other photos decode whole.
    decodes_reduced: bool = False


JPEG = FileType(PHOTO, "image/jpeg", ".jpg", "JPEG", "JPEG", decodes_reduced=True)
PNG = FileType(PHOTO, "image/png", ".png", "PNG", "PNG")
WEBP = FileType(PHOTO, "image/webp", ".webp", "WebP", "WEBP")
MP4 = FileType(VIDEO, "video/mp4", ".mp4", "MP4")
MOV = FileType(VIDEO, "video/quicktime", ".mov", "MOV")
WEBM = FileType(VIDEO, "video/webm", ".webm", "WebM")
TYPES = (JPEG, PNG, WEBP, MP4, MOV, WEBM)
PIL_FORMATS = tuple(t.pil_format for t in TYPES if t.pil_format)

#: ISO base media major brands (``ftyp``) accepted as MP4, and QuickTime's.
MP4_BRANDS = frozenset(
    {
        b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1",
        b"M4V ", b"M4VH", b"M4VP", b"MSNV", b"XAVC", b"dash", b"mmp4",
    }
)  # fmt: skip
MOV_BRANDS = frozenset({b"qt  "})

#: Walks give up (and call the file damaged) past this many boxes or elements.
MAX_STRUCTURES = 100_000


def sniff(head: bytes) -> FileType | None:
    """The allowed type whose signature ``head`` (the first bytes of a file) starts with."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        return MP4 if brand in MP4_BRANDS else MOV if brand in MOV_BRANDS else None
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return WEBM
    return None


# --- photos (in memory: they are small) ------------------------------------------------------
def image_end(data: bytes, file_type: FileType) -> int | None:
    """Where the picture's own structure ends, or ``None`` when it is broken or cut short."""
    end = {PNG: _png_end, JPEG: _jpeg_end, WEBP: _riff_end}[file_type](data)
    return end if end is not None and end <= len(data) else None


def _png_end(data: bytes) -> int | None:
    pos = 8
    while pos + 12 <= len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        chunk_type = data[pos + 4 : pos + 8]
        if not chunk_type.isalpha() or (pos == 8 and chunk_type != b"IHDR"):
            return None
        pos += 12 + length
        if chunk_type == b"IEND":
            return pos
    return None


def _jpeg_end(data: bytes) -> int | None:
    """Just past the EOI marker of the first picture (phones may put more pictures after it)."""
    n, pos = len(data), 2
    while pos < n:
        if data[pos] != 0xFF:
            return None
        while pos < n and data[pos] == 0xFF:
            pos += 1
        if pos >= n:
            return None
        marker = data[pos]
        pos += 1
        if marker == 0xD9:
            return pos
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            continue
        if pos + 2 > n:
            return None
        length = int.from_bytes(data[pos : pos + 2], "big")
        if length < 2:
            return None
        pos += length
        if marker == 0xDA:
            # Entropy-coded data runs to the next marker that is neither stuffing nor a restart.
            while True:
                pos = data.find(b"\xff", pos)
                if pos < 0 or pos + 1 >= n:
                    return None
                following = data[pos + 1]
                if following == 0xFF:
                    pos += 1
                elif following == 0x00 or 0xD0 <= following <= 0xD7:
                    pos += 2
                else:
                    break
    return None


def _riff_end(data: bytes) -> int:
    size = int.from_bytes(data[4:8], "little")
    end = 8 + size
    # An odd-sized RIFF body is followed by one pad byte.
    return len(data) if size & 1 and len(data) == end + 1 else end


# --- videos (walked by offset, never read whole) --------------------------------------------
class Reader:
    """Random access to a file by offset."""

    def __init__(self, file: IO[bytes], size: int) -> None:
        self.file, self.size = file, size

    def read(self, offset: int, length: int) -> bytes:
        if offset >= self.size:
            return b""
        self.file.seek(offset)
        return self.file.read(min(length, self.size - offset))


DAMAGED = "damaged"
NOT_WEBM = "not_webm"


def video_problem(reader: Reader, file_type: FileType) -> str | None:
    """``None`` for a structurally whole video, else ``DAMAGED`` or ``NOT_WEBM`` (Matroska)."""
    if file_type == WEBM:
        return _webm_problem(reader)
    return None if _iso_bmff_is_whole(reader) else DAMAGED


def _walk_boxes(reader: Reader, start: int, end: int) -> list[tuple[bytes, int, int, int]] | None:
    """ISO BMFF boxes between ``start`` and ``end`` as (type, offset, header length, size), or
    ``None`` when their sizes do not add up exactly to the space they are in."""
    boxes, pos = [], start
    while pos < end:
        if len(boxes) >= MAX_STRUCTURES:
            return None
        header = reader.read(pos, 16)
        if len(header) < 8:
            return None
        size, box_type, header_length = int.from_bytes(header[:4], "big"), header[4:8], 8
        if size == 1:
            if len(header) < 16:
                return None
            size, header_length = int.from_bytes(header[8:16], "big"), 16
        elif size == 0:
            size = end - pos
        if not all(0x20 <= c <= 0x7E for c in box_type) or size < header_length or pos + size > end:
            return None
        boxes.append((box_type, pos, header_length, size))
        pos += size
    return boxes


def _iso_bmff_is_whole(reader: Reader) -> bool:
    """An ``ftyp`` box first, boxes filling the file exactly, a movie header with a track, and
    media data: a header alone or a cut-off upload fails."""
    boxes = _walk_boxes(reader, 0, reader.size)
    if not boxes or boxes[0][0] != b"ftyp" or boxes[0][3] < 16:
        return False
    top = {box[0]: box for box in boxes}
    if b"moov" not in top or b"mdat" not in top:
        return False
    _, offset, header_length, size = top[b"moov"]
    children = _walk_boxes(reader, offset + header_length, offset + size)
    return bool(children) and {b"mvhd", b"trak"} <= {child[0] for child in children}


_EBML_DOCTYPE = 0x4282
_SEGMENT = 0x18538067
_SEGMENT_INFO = 0x1549A966
_TRACKS = 0x1654AE6B
_CLUSTER = 0x1F43B675
_MAX_EBML_HEADER = 4096


def _read_vint(reader: Reader, pos: int, *, is_id: bool) -> tuple[int, int, bool] | None:
    """An EBML variable-length integer at ``pos``: (value, length, is "unknown size")."""
    data = reader.read(pos, 8)
    if not data or data[0] == 0:
        return None
    length = 9 - data[0].bit_length()
    if (is_id and length > 4) or len(data) < length:
        return None
    if is_id:
        return int.from_bytes(data[:length], "big"), length, False
    value = int.from_bytes(bytes([data[0] & (0xFF >> length)]) + data[1:length], "big")
    return value, length, value == (1 << (7 * length)) - 1


def _read_element(reader: Reader, pos: int, end: int) -> tuple[int, int, int | None] | None:
    """The EBML element at ``pos``: (id, data offset, data size or ``None`` if unknown)."""
    element_id = _read_vint(reader, pos, is_id=True)
    size = element_id and _read_vint(reader, pos + element_id[1], is_id=False)
    if not size:
        return None
    data_offset = pos + element_id[1] + size[1]
    if size[2]:
        return element_id[0], data_offset, None
    if data_offset + size[0] > end:
        return None
    return element_id[0], data_offset, size[0]


def _webm_problem(reader: Reader) -> str | None:
    """An EBML header declaring DocType ``webm``, then a Segment holding segment info, tracks
    and at least one cluster."""
    header = _read_element(reader, 0, reader.size)
    if header is None or header[2] is None or header[2] > _MAX_EBML_HEADER:
        return DAMAGED
    doc_type, pos, header_end = None, header[1], header[1] + header[2]
    while pos < header_end:
        element = _read_element(reader, pos, header_end)
        if element is None or element[2] is None:
            return DAMAGED
        if element[0] == _EBML_DOCTYPE:
            doc_type = reader.read(element[1], element[2]).rstrip(b"\0")
        pos = element[1] + element[2]
    if doc_type != b"webm":
        return NOT_WEBM

    segment = _read_element(reader, header_end, reader.size)
    if segment is None or segment[0] != _SEGMENT:
        return DAMAGED
    end = reader.size if segment[2] is None else segment[1] + segment[2]
    seen, pos = set(), segment[1]
    for _ in range(MAX_STRUCTURES):
        if pos >= end:
            break
        element = _read_element(reader, pos, end)
        if element is None:
            return DAMAGED
        seen.add(element[0])
        if element[2] is None:
            # A live recording (MediaRecorder) leaves clusters unsized: nothing more to skip over.
            break
        pos = element[1] + element[2]
    return DAMAGED if {_SEGMENT_INFO, _TRACKS, _CLUSTER} - seen else None
