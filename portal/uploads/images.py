"""The copies of a photo that people see: upright, sRGB JPEG, no metadata."""

import contextlib
import io
import warnings
from typing import IO

from django.core.files.base import ContentFile
from PIL import Image, ImageCms, ImageOps

from portal.uploads.formats import PIL_FORMATS

JPEG_QUALITY = 85
_HIGH_BIT_DEPTH = ("I;16", "I;16B", "I;16L", "I", "F")
_TRANSPARENT = ("P", "PA", "LA", "La", "RGBA", "RGBa")


def make_image_derivatives(
    source: IO[bytes], *, display_max_side: int, thumb_side: int
) -> tuple[ContentFile, ContentFile]:
    """Re-encode a checked photo as a display copy and a thumbnail: turned upright, flattened
    onto white, converted to sRGB, saved as JPEG with no EXIF or other metadata. Nothing of the
    original's bytes survives, which also defeats polyglot files.

    :returns: ``(display, thumbnail)`` named ``display.jpg`` and ``thumb.jpg``, each fitting a
        square box of the given side, never enlarged
    """
    source.seek(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(source, formats=list(PIL_FORMATS)) as image:
            # A JPEG can decode at a fraction of its size: no need for 48 MP to show 1600 px.
            image.draft("RGB", (display_max_side, display_max_side))
            picture = _to_srgb(ImageOps.exif_transpose(image))
    display = picture.copy()
    display.thumbnail((display_max_side, display_max_side), Image.Resampling.LANCZOS)
    thumbnail = display.copy()
    thumbnail.thumbnail((thumb_side, thumb_side), Image.Resampling.LANCZOS)
    return _jpeg(display, "display.jpg"), _jpeg(thumbnail, "thumb.jpg")


def _to_srgb(image: Image.Image) -> Image.Image:
    profile = image.info.get("icc_profile")
    if image.mode in _HIGH_BIT_DEPTH:
        image = image.point(lambda value: value / 256).convert("L")
    if image.mode in _TRANSPARENT or "transparency" in image.info:
        image = image.convert("RGBA")
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, image).convert("RGB")
    if profile and image.mode in ("RGB", "L", "CMYK"):
        # A broken profile is dropped: colours may be a little off, never missing.
        with contextlib.suppress(ImageCms.PyCMSError, OSError, ValueError):
            image = ImageCms.profileToProfile(
                image,
                ImageCms.ImageCmsProfile(io.BytesIO(profile)),
                ImageCms.createProfile("sRGB"),
                outputMode="RGB",
            )
    return image.convert("RGB")


def _jpeg(image: Image.Image, name: str) -> ContentFile:
    buffer = io.BytesIO()
    # No ``exif``/``icc_profile`` arguments: Pillow writes metadata only when it is passed.
    image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return ContentFile(buffer.getvalue(), name=name)
