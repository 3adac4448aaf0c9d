"""The copies of a photo that people see: upright, sRGB JPEG, no metadata, made within a memory bound.

A photo's full-size bitmap is the expensive part: 48 MP of RGB is 146 MB, and a few kilobytes of
PNG can claim that many pixels. So a JPEG is decoded at 1/2, 1/4 or 1/8 of its size (the
decoder's DCT scaling: the full bitmap never exists), every other step works on the smallest
picture it can, and each step's input is released as soon as its output exists: one bitmap of
the file at a time, plus the next, smaller one.
"""

import contextlib
import io
import warnings
from typing import IO

from django.core.files.base import ContentFile
from PIL import ExifTags, Image, ImageCms, JpegImagePlugin

from portal.uploads.formats import PIL_FORMATS

JPEG_QUALITY = 85
_HIGH_BIT_DEPTH = ("I;16", "I;16B", "I;16L", "I;16N", "I", "F")
_TRANSPARENT = ("P", "PA", "LA", "La", "RGBA", "RGBa")
#: Pixels per strip of ``_shrink``: a few megabytes at a time.
_STRIP_PIXELS = 1_000_000
#: EXIF orientation -> the transposition that turns the picture upright (as ``ImageOps.exif_transpose``).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


class ImageTooLarge(ValueError):
    """The picture has more pixels than the caller's cap allows; nothing was decoded."""


def make_image_derivatives(
    source: IO[bytes],
    *,
    display_max_side: int,
    thumb_side: int,
    max_pixels: int | None = None,
    max_pixels_whole_decode: int | None = None,
) -> tuple[ContentFile, ContentFile]:
    """Re-encode a checked photo as a display copy and a thumbnail: turned upright, flattened
    onto white, converted to sRGB, saved as JPEG with no EXIF or other metadata. Nothing of the
    original's bytes survives, which also defeats polyglot files.

    The caps are those of ``check_upload``, checked again from the header before anything is
    decoded (a file stored under older, higher caps is refused here rather than decoded).

    :returns: ``(display, thumbnail)`` named ``display.jpg`` and ``thumb.jpg``, each fitting a
        square box of the given side, never enlarged
    :raises ImageTooLarge: over ``max_pixels`` (a JPEG) or ``max_pixels_whole_decode`` (others)
    :raises OSError: the pixels cannot be decoded (and other decoder errors)
    """
    source.seek(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        # Not a ``with`` block: each step below rebinds ``picture``, which releases the bitmap
        # before (the caller closes ``source``).
        picture = Image.open(source, formats=list(PIL_FORMATS))
        # A JPEG (or a phone's multi-picture JPEG) is the type whose decoder scales (``decodes_reduced``).
        reduced = isinstance(picture, JpegImagePlugin.JpegImageFile)
        cap = max_pixels if reduced else (max_pixels_whole_decode or max_pixels)
        width, height = picture.size
        if cap is not None and width * height > cap:
            raise ImageTooLarge(f"{width}x{height} is over the cap of {cap} pixels")
        if reduced:
            # The smallest scale still at least as large as the display copy; draft() only
            # takes effect before the pixels are read.
            picture.draft("RGB", _fit(picture.size, display_max_side))
        picture.load()
    orientation = picture.getexif().get(ExifTags.Base.Orientation, 1)
    profile = picture.info.get("icc_profile")
    picture = _shrink(picture, display_max_side)
    picture.thumbnail((display_max_side, display_max_side), Image.Resampling.LANCZOS)
    picture = _to_srgb(picture, profile)
    if orientation in _UPRIGHT:
        picture = picture.transpose(_UPRIGHT[orientation])
    thumbnail = picture.copy()
    thumbnail.thumbnail((thumb_side, thumb_side), Image.Resampling.LANCZOS, reducing_gap=2.0)
    return _jpeg(picture, "display.jpg"), _jpeg(thumbnail, "thumb.jpg")


def _fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    """``size`` scaled down to fit a square of ``side``, keeping its proportions."""
    width, height = size
    scale = min(1.0, side / max(width, height, 1))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _shrink(image: Image.Image, side: int) -> Image.Image:
    """The picture in 8 bits, flattened onto white and reduced by the largest whole factor that
    keeps it at least twice the display size (the rest is left to a good resampling filter).

    A picture that needs converting is converted a strip of rows at a time, so no second
    full-size bitmap in the wider mode is made (a transparent palette PNG would otherwise take
    its own size, then four times it as RGBA, then three times as RGB). Strips a whole number of
    ``factor`` rows high give exactly what reducing it whole would.
    """
    if image.mode in ("L", "RGB", "CMYK") and "transparency" not in image.info:
        image.thumbnail((side, side), Image.Resampling.LANCZOS, reducing_gap=2.0)
        return image
    width, height = image.size
    fitted_width, fitted_height = _fit(image.size, side)
    factor = max(1, int(min(width / fitted_width, height / fitted_height) // 2))
    rows = max(factor, _STRIP_PIXELS // width // factor * factor)
    shrunk = None
    for top in range(0, height, rows):
        strip = _flatten(_eight_bit(image.crop((0, top, width, min(top + rows, height)))))
        if factor > 1:
            strip = strip.reduce(factor)
        if shrunk is None:
            shrunk = Image.new(strip.mode, (-(-width // factor), -(-height // factor)))
        shrunk.paste(strip, (0, top // factor))
    return shrunk


def _eight_bit(image: Image.Image) -> Image.Image:
    """8 bits per channel: resampling, colour management and JPEG need it."""
    if image.mode in _HIGH_BIT_DEPTH:
        return image.point(lambda value: value / 256).convert("L")
    if image.mode == "1":
        return image.convert("L")
    return image


def _flatten(image: Image.Image) -> Image.Image:
    """Transparent pixels onto white, so they do not turn black in a JPEG."""
    if image.mode not in _TRANSPARENT and "transparency" not in image.info:
        return image
    if image.mode == "P" and "transparency" not in image.info:
        return image.convert("RGB")
    rgba = image if image.mode == "RGBA" else image.convert("RGBA")
    flat = Image.new("RGB", rgba.size, (255, 255, 255))
    # The RGBA picture is its own mask (its alpha band).
    flat.paste(rgba, mask=rgba)
    return flat


def _to_srgb(image: Image.Image, profile: bytes | None) -> Image.Image:
    if profile and image.mode in ("RGB", "L", "CMYK"):
        # A broken profile is dropped: colours may be a little off, never missing.
        with contextlib.suppress(ImageCms.PyCMSError, OSError, ValueError):
            image = ImageCms.profileToProfile(
                image,
                ImageCms.ImageCmsProfile(io.BytesIO(profile)),
                ImageCms.createProfile("sRGB"),
                outputMode="RGB",
            )
    return image if image.mode == "RGB" else image.convert("RGB")


def _jpeg(image: Image.Image, name: str) -> ContentFile:
    buffer = io.BytesIO()
    # No ``exif``/``icc_profile`` arguments: Pillow writes metadata only when it is passed.
    image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return ContentFile(buffer.getvalue(), name=name)
