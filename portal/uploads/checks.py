"""Deciding what an uploaded file is from its bytes, and saying clearly why one is refused."""

import hashlib
import io
import re
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from PIL import ExifTags, Image

from portal.uploads.formats import (
    JPEG,
    NOT_WEBM,
    PHOTO,
    PNG,
    VIDEO,
    FileType,
    Reader,
    image_end,
    sniff,
    video_problem,
)
from portal.uploads.names import clean_filename, safe_download_name

CHUNK_SIZE = 64 * 1024

#: Markup that would let a browser be talked into rendering a "photo" as a page.
_MARKUP = re.compile(
    rb"<(?:script|html|head|body|iframe|object|embed)[\s/>]|<!doctype\s+html|<\?php", re.IGNORECASE
)
#: After a JPEG's end, shorter patterns are safe to look for: phones put video or metadata there.
_MARKUP_IN_TRAILER = re.compile(_MARKUP.pattern + rb"|<svg[\s/>]|<\?xml\s", re.IGNORECASE)


@dataclass(frozen=True)
class CheckedUpload:
    """What an upload really is, established from its bytes."""

    kind: str
    content_type: str
    extension: str
    size: int
    sha256: str
    width: int | None
    height: int | None
    original_name: str

    @property
    def download_name(self) -> str:
        """The cleaned name, ending in the extension of what the file really is."""
        return safe_download_name(self.original_name, self.extension)


def _error(message, code: str, name: str, **params) -> ValidationError:
    return ValidationError(message, code=code, params={"name": name, **params})


def _unsupported(name: str, *, allow_video: bool) -> ValidationError:
    if allow_video:
        message = _("“%(name)s” is not a JPEG, PNG or WebP photo, or an MP4, MOV or WebM video.")
    else:
        message = _("“%(name)s” is not a JPEG, PNG or WebP photo.")
    return _error(message, "unsupported_type", name)


def _damaged(name: str, file_type: FileType) -> ValidationError:
    return _error(
        _("“%(name)s” could not be read as a %(type)s file: it is damaged or incomplete."),
        "damaged",
        name,
        type=file_type.label,
    )


def _hidden_content(name: str) -> ValidationError:
    return _error(
        _("“%(name)s” has extra content hidden in or after the image. Please save it again and retry."),
        "hidden_content",
        name,
    )


def check_upload(
    upload: UploadedFile,
    *,
    allow_video: bool = True,
    max_photo_bytes: int,
    max_video_bytes: int,
    max_pixels: int,
    max_pixels_whole_decode: int | None = None,
) -> CheckedUpload:
    """Establish what an uploaded file is from its content, or say why it cannot be accepted.

    The name and content type the client sent are ignored, except the name for display. The
    file is read in chunks (a photo, being small, is kept whole for its structure walk) and left
    rewound. A photo's pixels are never decoded here: its structure, headers and pixel count are
    checked, and the worker decodes it (``make_image_derivatives``), within a memory bound.

    ``max_pixels`` caps a JPEG, which the worker decodes at a fraction of its size;
    ``max_pixels_whole_decode`` (``max_pixels`` when not given) caps PNG and WebP, which can
    only be decoded whole.

    :raises ValidationError: empty, too large, not an allowed type, a video where only photos
        are allowed, damaged or cut short, too many pixels, or with content hidden in or after
        the picture; the message names the file
    """
    name = clean_filename(upload.name)
    try:
        return _check(
            upload,
            name,
            allow_video=allow_video,
            max_photo_bytes=max_photo_bytes,
            max_video_bytes=max_video_bytes,
            max_pixels=max_pixels,
            max_pixels_whole_decode=max_pixels
            if max_pixels_whole_decode is None
            else max_pixels_whole_decode,
        )
    finally:
        upload.seek(0)


def _check(
    upload, name, *, allow_video, max_photo_bytes, max_video_bytes, max_pixels, max_pixels_whole_decode
) -> CheckedUpload:
    upload.seek(0, io.SEEK_END)
    size = upload.tell()
    if size == 0:
        raise _error(_("“%(name)s” is empty."), "empty", name)
    upload.seek(0)
    file_type = sniff(upload.read(64))
    if file_type is None:
        raise _unsupported(name, allow_video=allow_video)
    if file_type.kind == VIDEO and not allow_video:
        raise _error(
            _("“%(name)s” is a video; only photos (JPEG, PNG or WebP) can be attached here."),
            "video_not_allowed",
            name,
        )
    limit = max_photo_bytes if file_type.kind == PHOTO else max_video_bytes
    if size > limit:
        message = (
            _("“%(name)s” is too large (%(size)s): a photo can be at most %(limit)s.")
            if file_type.kind == PHOTO
            else _("“%(name)s” is too large (%(size)s): a video can be at most %(limit)s.")
        )
        raise _error(message, "too_large", name, size=filesizeformat(size), limit=filesizeformat(limit))

    digest, data = _hash(upload, keep=file_type.kind == PHOTO)
    width = height = None
    if file_type.kind == PHOTO:
        cap = max_pixels if file_type.decodes_reduced else max_pixels_whole_decode
        width, height = _check_photo(data, file_type, name, max_pixels=cap, lower_cap=cap < max_pixels)
    else:
        problem = video_problem(Reader(upload, size), file_type)
        if problem == NOT_WEBM:
            raise _unsupported(name, allow_video=allow_video)
        if problem:
            raise _damaged(name, file_type)
    return CheckedUpload(
        kind=file_type.kind,
        content_type=file_type.content_type,
        extension=file_type.extension,
        size=size,
        sha256=digest,
        width=width,
        height=height,
        original_name=name,
    )


def _hash(upload, *, keep: bool) -> tuple[str, bytes]:
    """SHA-256 of the whole file, read in chunks; the bytes too when ``keep``."""
    upload.seek(0)
    digest = hashlib.sha256()
    parts = []
    while chunk := upload.read(CHUNK_SIZE):
        digest.update(chunk)
        if keep:
            parts.append(chunk)
    return digest.hexdigest(), b"".join(parts)


def _megapixels(pixels: int) -> int | str:
    return pixels // 1_000_000 or f"{pixels / 1_000_000:.2f}"


def _check_photo(
    data: bytes, file_type: FileType, name: str, *, max_pixels: int, lower_cap: bool
) -> tuple[int, int]:
    """Structure, then hidden markup, then the headers and the pixel cap; never the pixels.

    Decoding a 12 MP photo takes longer than everything else here together, and a 49 MP picture
    needs ~150 MB to hold, so the request only reads headers; the worker decodes, reduced
    (``make_image_derivatives``), and marks a photo whose pixels turn out broken as failed.

    :param lower_cap: ``max_pixels`` is the lower cap of pictures that can only be decoded whole
    :returns: width and height as the photo is shown (after its EXIF orientation)
    """
    end = image_end(data, file_type)
    if end is None:
        raise _damaged(name, file_type)
    trailer = data[end:]
    # Phones append data after a JPEG (motion photos, maker trailers); markup is never that.
    if trailer and (file_type != JPEG or _MARKUP_IN_TRAILER.search(trailer)):
        raise _hidden_content(name)
    if _MARKUP.search(data, 0, end):
        raise _hidden_content(name)

    if lower_cap:
        message = _(
            "“%(name)s” has too many pixels: a PNG or WebP picture can have at most %(limit)s megapixels. "
            "Please send it as a JPEG, or make it smaller."
        )
    else:
        message = _("“%(name)s” has too many pixels: a photo can have at most %(limit)s megapixels.")
    too_many_pixels = _error(message, "too_many_pixels", name, limit=_megapixels(max_pixels))
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=[file_type.pil_format]) as image:
                width, height = image.size
                if width * height > max_pixels:
                    raise too_many_pixels
                if not width or not height:
                    raise _damaged(name, file_type)
                # A PNG's EXIF after its pixels would take a full decode to reach (Pillow loads the
                # image for it); such a rare photo's size is reported as stored, and the worker
                # still turns its copies upright.
                exif = image.getexif() if "exif" in image.info or file_type != PNG else Image.Exif()
                orientation = exif.get(ExifTags.Base.Orientation, 1)
                # Checksums of every PNG chunk; nothing is decompressed.
                image.verify()
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise too_many_pixels from None
        except ValidationError:
            raise
        except Exception:
            # Decoders report broken input with many exception types; all mean the same here.
            raise _damaged(name, file_type) from None
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    return width, height


def check_uploads(files: list[UploadedFile], *, max_files: int, **limits) -> list[CheckedUpload]:
    """Check each of ``files`` with ``check_upload(**limits)``; the results keep their order.

    :raises ValidationError: too many files, or one error per file that cannot be accepted
    """
    if len(files) > max_files:
        raise ValidationError(
            ngettext_lazy(
                "You can attach at most %(max)d file.", "You can attach at most %(max)d files.", "max"
            ),
            code="too_many_files",
            params={"max": max_files},
        )
    checked, errors = [], []
    for upload in files:
        try:
            checked.append(check_upload(upload, **limits))
        except ValidationError as error:
            errors.append(error)
    if errors:
        raise ValidationError(errors)
    return checked
