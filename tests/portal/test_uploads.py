"""Uploads are judged by their bytes: hostile files are refused with a clear message naming the
file, honest photos and videos get through whatever they are called. Every file is made here."""

import contextlib
import hashlib
import io
import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.db import models
from django.db.models.fields.files import FieldFile
from django.http import Http404
from django.test import RequestFactory
from PIL import Image, ImageCms, ImageFile

from disputes import policy as dispute_policy
from portal import uploads
from portal.uploads import (
    CheckedUpload,
    ImageTooLarge,
    check_upload,
    check_uploads,
    clean_filename,
    content_disposition,
    make_image_derivatives,
    private_file_response,
    safe_download_name,
)

MB = 1024 * 1024
LIMITS = {"max_photo_bytes": 10 * MB, "max_video_bytes": 100 * MB, "max_pixels": 50_000_000}
#: The evidence policy's caps, as the site runs them.
POLICY_LIMITS = {
    **LIMITS,
    "max_pixels": dispute_policy.MAX_IMAGE_PIXELS,
    "max_pixels_whole_decode": dispute_policy.MAX_PNG_WEBP_PIXELS,
}
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


# --- files, made in code --------------------------------------------------------------------
def image_bytes(fmt: str = "JPEG", size=(64, 48), mode: str = "RGB", color="red", **save) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, fmt, **save)
    return buffer.getvalue()


def png_chunk(chunk_type: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(chunk_type + data).to_bytes(4, "big")
    return len(data).to_bytes(4, "big") + chunk_type + data + crc


def single_colour_png(width: int, height: int) -> bytes:
    """A whole, valid 1-bit PNG of one colour: ~14 KB for 7000 x 7000 (49 MP) with zlib -9."""
    row = b"\x00" + b"\xff" * ((width + 7) // 8)
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    idat = zlib.compress(row * height, 9)
    return (
        b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")
    )


def png_with_dimensions(width: int, height: int) -> bytes:
    """A few hundred bytes claiming ``width`` x ``height`` pixels: never decode it."""
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")
    )


def box(box_type: bytes, payload: bytes = b"") -> bytes:
    return (8 + len(payload)).to_bytes(4, "big") + box_type + payload


def ftyp(brand: bytes = b"isom") -> bytes:
    return box(b"ftyp", brand + b"\x00\x00\x02\x00" + brand + b"mp41")


def moov() -> bytes:
    return box(b"moov", box(b"mvhd", bytes(100)) + box(b"trak", box(b"tkhd", bytes(84))))


def mp4(brand: bytes = b"isom", media: bytes = b"\x00" * 256) -> bytes:
    return ftyp(brand) + moov() + box(b"mdat", media)


def vint_size(size: int) -> bytes:
    return (0x01 << 56 | size).to_bytes(8, "big")


def ebml(element_id: int, payload: bytes = b"", *, unknown_size: bool = False) -> bytes:
    encoded_id = element_id.to_bytes((element_id.bit_length() + 7) // 8, "big")
    size = b"\x01\xff\xff\xff\xff\xff\xff\xff" if unknown_size else vint_size(len(payload))
    return encoded_id + size + payload


def webm(doc_type: bytes = b"webm", *, live: bool = False, segment: bool = True) -> bytes:
    header = ebml(0x1A45DFA3, ebml(0x4286, b"\x01") + ebml(0x4282, doc_type) + ebml(0x4287, b"\x04"))
    info = ebml(0x1549A966, ebml(0x2AD7B1, (1_000_000).to_bytes(3, "big")))
    tracks = ebml(0x1654AE6B, ebml(0xAE, ebml(0xD7, b"\x01") + ebml(0x86, b"V_VP9")))
    cluster_body = ebml(0xE7, b"\x00") + ebml(0xA3, b"\x81\x00\x00\x80" + bytes(64))
    cluster = ebml(0x1F43B675, cluster_body, unknown_size=live)
    body = info + tracks + cluster
    if not segment:
        return header + body
    return header + ebml(0x18538067, body, unknown_size=live)


def webm_with_elements_before_tracks(filler: bytes) -> bytes:
    header = ebml(0x1A45DFA3, ebml(0x4282, b"webm"))
    tracks = ebml(0x1654AE6B, ebml(0xAE, ebml(0xD7, b"\x01")))
    body = filler + ebml(0x1549A966) + tracks + ebml(0x1F43B675, ebml(0xE7, b"\x00"))
    return header + ebml(0x18538067, body)


def jpeg_with_exif(size=(200, 100), orientation: int = 1) -> bytes:
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0112] = "Canon", "EOS 5D", orientation
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (52.0, 22.0, 1.5), "E", (4.0, 53.0, 2.0)
    return image_bytes("JPEG", size=size, exif=exif)


def upload(content: bytes, name: str = "file.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def rejection(content: bytes, name: str = "file.jpg", **limits) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        check_upload(upload(content, name), **{**LIMITS, **limits})
    return caught.value


def truncated_jpeg() -> bytes:
    data = Image.effect_noise((256, 256), 64).convert("RGB")
    buffer = io.BytesIO()
    data.save(buffer, "JPEG")
    return buffer.getvalue()[: len(buffer.getvalue()) // 2]


def png_with_bad_crc() -> bytes:
    data = bytearray(image_bytes("PNG"))
    data[29] ^= 0xFF  # the IHDR checksum
    return bytes(data)


def png_with_text(text: bytes) -> bytes:
    data = image_bytes("PNG")
    return data[:33] + png_chunk(b"tEXt", b"Comment\x00" + text) + data[33:]


def png_with_corrupt_pixels() -> bytes:
    """Every checksum right, the compressed pixels garbage: only decoding finds out."""
    ihdr = struct.pack(">IIBBBBB", 64, 64, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", b"\x78\x9c" + b"garbage" * 20)
        + png_chunk(b"IEND", b"")
    )


def jpeg_with_zero_dimensions() -> bytes:
    data = bytearray(image_bytes("JPEG"))
    frame = data.find(b"\xff\xc0")
    data[frame + 5 : frame + 9] = bytes(4)
    return bytes(data)


def webp_truncated() -> bytes:
    data = image_bytes("WEBP", size=(128, 128), mode="RGB")
    return data[: len(data) - 40]


HOSTILE = {
    "truncated JPEG": (truncated_jpeg(), "damaged"),
    "PNG with HTML after IEND": (image_bytes("PNG") + HTML, "hidden_content"),
    "PNG with zero padding after IEND": (image_bytes("PNG") + bytes(16), "hidden_content"),
    "PNG with a script in a text chunk": (png_with_text(HTML), "hidden_content"),
    "JPEG with HTML after EOI": (image_bytes("JPEG") + HTML, "hidden_content"),
    "JPEG with SVG after EOI": (image_bytes("JPEG") + b'<svg onload="alert(1)"/>', "hidden_content"),
    "WebP with data after its RIFF chunk": (image_bytes("WEBP") + HTML, "hidden_content"),
    "SVG with a script": (
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "unsupported_type",
    ),
    "SVG with an XML prolog": (
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>',
        "unsupported_type",
    ),
    "GIF renamed .jpg": (image_bytes("GIF"), "unsupported_type"),
    "GIF header on a PHP script": (b"GIF89a<?php system($_GET['c']); ?>", "unsupported_type"),
    "BMP": (image_bytes("BMP"), "unsupported_type"),
    "TIFF": (image_bytes("TIFF"), "unsupported_type"),
    "HTML renamed .png": (HTML, "unsupported_type"),
    "PDF": (b"%PDF-1.7\n1 0 obj<</Type/Catalog>>endobj\ntrailer<<>>\n%%EOF", "unsupported_type"),
    "ZIP": (b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(40), "unsupported_type"),
    "ELF executable": (b"\x7fELF\x02\x01\x01\x00" + bytes(56), "unsupported_type"),
    "Windows executable": (b"MZ\x90\x00\x03\x00\x00\x00" + bytes(56), "unsupported_type"),
    "plain text": (b"I promise the item was broken.\n", "unsupported_type"),
    "RIFF WAVE audio": (b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(28), "unsupported_type"),
    "HEIC photo (not supported)": (
        box(b"ftyp", b"heic\x00\x00\x00\x00mif1heic") + bytes(32),
        "unsupported_type",
    ),
    "ISO media with an unknown brand": (box(b"ftyp", b"zzzz\x00\x00\x00\x00") + moov(), "unsupported_type"),
    "WebM with DocType matroska": (webm(b"matroska"), "unsupported_type"),
    "zero bytes": (b"", "empty"),
    "20000x20000 PNG": (png_with_dimensions(20_000, 20_000), "too_many_pixels"),
    "8000x8000 PNG over the pixel cap": (png_with_dimensions(8_000, 8_000), "too_many_pixels"),
    "PNG with a broken checksum": (png_with_bad_crc(), "damaged"),
    "truncated PNG": (image_bytes("PNG", size=(300, 300))[:-30], "damaged"),
    "JPEG with a zero-sized frame": (jpeg_with_zero_dimensions(), "damaged"),
    "JPEG signature followed by junk": (b"\xff\xd8\xff\xe0" + b"junk" * 50, "damaged"),
    "truncated WebP": (webp_truncated(), "damaged"),
    "MP4 header only": (ftyp(), "damaged"),
    "MP4 without media data": (ftyp() + moov(), "damaged"),
    "MP4 whose moov has no track": (
        ftyp() + box(b"moov", box(b"mvhd", bytes(100))) + box(b"mdat", bytes(8)),
        "damaged",
    ),
    "MP4 with a box larger than the file": (mp4()[:-100], "damaged"),
    "MP4 with junk after the last box": (mp4() + b"\x00\x00", "damaged"),
    "MOV brand over random bytes": (
        box(b"ftyp", b"qt  \x00\x00\x00\x00") + b"\xde\xad\xbe\xef" * 20,
        "damaged",
    ),
    "WebM without a Segment": (webm(segment=False), "damaged"),
    "truncated WebM": (webm()[:-20], "damaged"),
    "WebM padded with 150000 empty elements": (
        webm_with_elements_before_tracks(ebml(0xEC) * 150_000),
        "damaged",
    ),
    "MP4 made of 150000 empty boxes": (ftyp() + box(b"free") * 150_000 + moov() + box(b"mdat"), "damaged"),
    "EBML header with an unknown size": (ebml(0x1A45DFA3, b"", unknown_size=True) + bytes(16), "damaged"),
}


# --- hostile files ------------------------------------------------------------------------------
@pytest.mark.parametrize(("content", "code"), HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_file_is_refused_with_a_message_naming_it(content, code):
    error = rejection(content, name="evidence.jpg")

    assert error.code == code
    assert "“evidence.jpg”" in error.messages[0]


def test_a_gif_gets_a_message_listing_what_is_accepted():
    error = rejection(image_bytes("GIF"), name="holiday.gif")

    assert error.messages == ["“holiday.gif” is not a JPEG, PNG or WebP photo, or an MP4, MOV or WebM video."]


def test_a_20000_by_20000_png_is_refused_without_allocating_its_pixels():
    content = png_with_dimensions(20_000, 20_000)

    error = rejection(content, name="bomb.png")

    assert len(content) < 2_000
    assert error.code == "too_many_pixels"
    assert "50 megapixels" in error.messages[0]


def test_a_picture_over_a_low_pixel_cap_is_refused():
    error = rejection(image_bytes("PNG", size=(100, 100)), max_pixels=5_000)

    assert error.code == "too_many_pixels"


def test_the_decompression_bomb_warning_is_an_error(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1_000)

    error = rejection(image_bytes("PNG", size=(40, 40)), max_pixels=10**9)

    assert error.code == "too_many_pixels"


# --- pixels: checked from the headers in the request, decoded reduced in the worker -------------
BOMB = single_colour_png(7000, 7000)


@pytest.fixture
def decodes(monkeypatch):
    """Every picture whose pixels get decoded, by size."""
    decoded = []
    real_load = ImageFile.ImageFile.load

    def load(image):
        decoded.append(image.size)
        return real_load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    return decoded


def test_a_49_megapixel_png_of_a_few_kilobytes_is_refused_at_upload_without_decoding_it(decodes):
    error = rejection(BOMB, name="plain.png", **POLICY_LIMITS)

    assert len(BOMB) < 16_000
    assert error.code == "too_many_pixels"
    assert error.messages == [
        "“plain.png” has too many pixels: a PNG or WebP picture can have at most 8 megapixels. "
        "Please send it as a JPEG, or make it smaller."
    ]
    assert decodes == []


def test_a_48_megapixel_phone_jpeg_passes_where_the_same_pixels_as_png_do_not():
    jpeg = image_bytes("JPEG", size=(8064, 6048), quality=20)

    checked = check_upload(upload(jpeg, "PXL_48MP.jpg"), **POLICY_LIMITS)
    error = rejection(png_with_dimensions(8064, 6048), name="PXL_48MP.png", **POLICY_LIMITS)

    assert (checked.width, checked.height) == (8064, 6048)
    assert error.code == "too_many_pixels"


def test_a_phone_screenshot_png_passes_the_lower_cap():
    checked = check_upload(upload(png_with_dimensions(1290, 2796), "screenshot.png"), **POLICY_LIMITS)

    assert (checked.width, checked.height) == (1290, 2796)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_checking_a_photo_never_decodes_its_pixels(decodes, fmt):
    checked = check_upload(upload(image_bytes(fmt, size=(640, 480))), **POLICY_LIMITS)

    assert (checked.width, checked.height) == (640, 480)
    assert decodes == []


def test_a_12_megapixel_phone_photo_is_checked_from_its_headers_alone(decodes):
    # Its cost in the request (a few ms) is measured by ``manage.py benchmark``, not timed here:
    # what keeps it small is that the 12 million pixels are never decoded inside the request.
    noise = Image.effect_noise((4032, 3024), 64).convert("RGB")
    buffer = io.BytesIO()
    noise.save(buffer, "JPEG", quality=92)
    del noise
    content = buffer.getvalue()

    checked = check_upload(upload(content, "IMG_0001.jpg"), **POLICY_LIMITS)

    assert len(content) > 5 * MB
    assert (checked.width, checked.height) == (4032, 3024)
    assert decodes == []


def test_pixels_that_cannot_be_decoded_are_left_to_the_worker_which_refuses_them():
    content = png_with_corrupt_pixels()

    checked = check_upload(upload(content, "broken.png"), **POLICY_LIMITS)
    with pytest.raises(OSError):
        make_image_derivatives(io.BytesIO(content), display_max_side=100, thumb_side=10)

    assert checked.content_type == "image/png"


#: Runs ``make_image_derivatives`` in a fresh interpreter: the peak resident memory it adds there.
PEAK_RSS_SCRIPT = """
import io, json, resource, sys
import django
django.setup()
from portal.uploads import ImageTooLarge, make_image_derivatives
data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    display, _ = make_image_derivatives(
        io.BytesIO(data), display_max_side=1600, thumb_side=320, **json.loads(sys.argv[2])
    )
    outcome = "made"
except ImageTooLarge:
    outcome = "refused"
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"outcome": outcome, "peak_mb": (after - before) / 1024}))
"""


def derivative_peak(tmp_path: Path, content: bytes, **caps) -> dict:
    path = tmp_path / "photo"
    path.write_bytes(content)
    result = subprocess.run(
        [sys.executable, "-c", PEAK_RSS_SCRIPT, str(path), json.dumps(caps)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test"},
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


WORKER_CAPS = {
    "max_pixels": dispute_policy.MAX_IMAGE_PIXELS,
    "max_pixels_whole_decode": dispute_policy.MAX_PNG_WEBP_PIXELS,
}


def test_the_worker_refuses_the_49_megapixel_png_before_decoding_it(tmp_path):
    measured = derivative_peak(tmp_path, BOMB, **WORKER_CAPS)

    assert measured["outcome"] == "refused"
    assert measured["peak_mb"] < 5


def test_even_without_a_cap_the_49_megapixel_png_costs_the_worker_under_150_mb(tmp_path):
    # It cost 500 MB when the whole picture was converted to RGB before being shrunk.
    measured = derivative_peak(tmp_path, BOMB)

    assert measured["outcome"] == "made"
    assert measured["peak_mb"] < 150


def test_a_48_megapixel_jpeg_is_decoded_reduced_in_under_60_mb(tmp_path):
    # Decoded whole it would be 146 MB of RGB before any copy.
    jpeg = image_bytes("JPEG", size=(8064, 6048), color=(90, 120, 200), quality=80)

    measured = derivative_peak(tmp_path, jpeg, **WORKER_CAPS)

    assert measured["outcome"] == "made"
    assert measured["peak_mb"] < 60


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_the_largest_transparent_png_or_webp_allowed_costs_the_worker_under_150_mb(tmp_path, fmt):
    options = {"lossless": True} if fmt == "WEBP" else {}
    content = image_bytes(fmt, size=(3264, 2448), mode="RGBA", color=(10, 20, 30, 128), **options)

    measured = derivative_peak(tmp_path, content, **WORKER_CAPS)

    assert dispute_policy.MAX_PNG_WEBP_PIXELS >= 3264 * 2448
    assert measured["outcome"] == "made"
    assert measured["peak_mb"] < 150


def test_a_photo_over_the_photo_cap_is_refused_while_a_video_of_the_same_size_passes():
    noise = Image.effect_noise((400, 400), 100).convert("RGB")
    buffer = io.BytesIO()
    noise.save(buffer, "PNG")
    photo = buffer.getvalue()
    video = mp4(media=bytes(len(photo) - len(mp4(media=b""))))
    limits = {**LIMITS, "max_photo_bytes": len(photo) - 1, "max_video_bytes": len(photo)}

    error = rejection(photo, name="big.png", **limits)
    checked = check_upload(upload(video, "big.mp4", "video/mp4"), **limits)

    assert error.code == "too_large"
    assert "a photo can be at most" in error.messages[0]
    assert checked.size == len(photo) == len(video)


def test_a_video_over_the_video_cap_is_refused():
    video = mp4(media=bytes(5000))

    error = rejection(video, name="unboxing.mp4", max_video_bytes=4000)

    assert error.code == "too_large"
    assert "a video can be at most 3.9" in error.messages[0]


def test_a_valid_video_is_refused_where_only_photos_are_allowed():
    with pytest.raises(ValidationError) as caught:
        check_upload(upload(mp4(), "clip.mp4", "video/mp4"), allow_video=False, **LIMITS)

    assert caught.value.code == "video_not_allowed"


def test_where_only_photos_are_allowed_the_message_does_not_offer_videos():
    with pytest.raises(ValidationError) as caught:
        check_upload(upload(HTML, "page.html"), allow_video=False, **LIMITS)

    assert caught.value.messages == ["“page.html” is not a JPEG, PNG or WebP photo."]


def test_the_client_content_type_is_ignored():
    error = rejection(HTML, name="photo.png")

    assert error.code == "unsupported_type"


# --- honest files -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("content", "kind", "content_type", "extension", "dimensions"),
    [
        (image_bytes("JPEG", size=(64, 48)), "photo", "image/jpeg", ".jpg", (64, 48)),
        (
            image_bytes("PNG", size=(30, 20), mode="RGBA", color=(0, 0, 0, 0)),
            "photo",
            "image/png",
            ".png",
            (30, 20),
        ),
        (image_bytes("WEBP", size=(33, 17)), "photo", "image/webp", ".webp", (33, 17)),
        (image_bytes("JPEG", progressive=True, size=(90, 90)), "photo", "image/jpeg", ".jpg", (90, 90)),
        (mp4(b"mp42"), "video", "video/mp4", ".mp4", (None, None)),
        (mp4(b"qt  "), "video", "video/quicktime", ".mov", (None, None)),
        (webm(), "video", "video/webm", ".webm", (None, None)),
        (webm(live=True), "video", "video/webm", ".webm", (None, None)),
    ],
    ids=["JPEG", "PNG", "WebP", "progressive JPEG", "MP4", "MOV", "WebM", "WebM recorded live"],
)
def test_an_allowed_file_is_described_by_its_content(content, kind, content_type, extension, dimensions):
    checked = check_upload(upload(content, "whatever.bin", "application/octet-stream"), **LIMITS)

    assert (checked.kind, checked.content_type, checked.extension) == (kind, content_type, extension)
    assert (checked.width, checked.height) == dimensions
    assert checked.size == len(content)


def test_a_jpeg_with_the_wrong_extension_is_accepted_as_a_jpeg():
    checked = check_upload(upload(image_bytes("JPEG"), "scan.png", "image/png"), **LIMITS)

    assert checked.content_type == "image/jpeg"
    assert checked.extension == ".jpg"
    assert checked.original_name == "scan.png"
    assert checked.download_name == "scan.jpg"


def test_a_jpeg_with_a_phone_trailer_after_the_picture_is_accepted():
    motion_photo = image_bytes("JPEG") + mp4()

    checked = check_upload(upload(motion_photo, "PXL_20261101.MP.jpg"), **LIMITS)

    assert checked.content_type == "image/jpeg"


def test_the_sha256_is_that_of_the_bytes_received():
    content = image_bytes("PNG", size=(50, 50))

    checked = check_upload(upload(content, "a.png"), **LIMITS)

    assert checked.sha256 == hashlib.sha256(content).hexdigest()


def test_the_size_of_a_rotated_photo_is_as_it_is_shown():
    checked = check_upload(upload(jpeg_with_exif(size=(200, 100), orientation=6)), **LIMITS)

    assert (checked.width, checked.height) == (100, 200)


@pytest.mark.parametrize(
    ("content", "outcome"),
    [(image_bytes("JPEG"), contextlib.nullcontext()), (HTML, pytest.raises(ValidationError))],
    ids=["accepted", "refused"],
)
def test_the_file_is_rewound_after_checking(content, outcome):
    file = upload(content)

    with outcome:
        check_upload(file, **LIMITS)

    assert file.tell() == 0
    assert file.read() == content


def test_a_large_video_streamed_to_disk_is_checked_in_chunks_and_hashed_whole():
    content = mp4(media=b"\x17" * (3 * MB))
    file = TemporaryUploadedFile("long.mov", "video/quicktime", len(content), None)
    file.write(content)
    file.seek(0)
    reads = []
    real_read = file.file.read
    file.file.read = lambda n=-1: reads.append(n) or real_read(n)

    checked = check_upload(file, **LIMITS)

    assert checked.sha256 == hashlib.sha256(content).hexdigest()
    assert all(0 <= n <= uploads.CHUNK_SIZE for n in reads)
    file.close()


# --- names ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "clean"),
    [
        ("../../etc/passwd.jpg", "passwd.jpg"),
        ("..\\..\\windows\\system32\\evil.jpg", "evil.jpg"),
        ("C:\\Users\\bella\\Pictures\\box.jpg", "box.jpg"),
        ("photo\u202egpj.exe", "photogpj.exe"),
        ("\u2067receipt\u2069\u200b.png", "receipt.png"),
        ("bad\x00name\x1b[31m.jpg", "badname[31m.jpg"),
        ("  my\t\tbroken\n  earbuds .jpg ", "my broken earbuds .jpg"),
        ('"><img src=x onerror=alert(1)>.jpg', "___img src=x onerror=alert(1)_.jpg"),
        ("..", "upload"),
        ("", "upload"),
        ("\u202e\u202d", "upload"),
        ("фото посылки.jpg", "фото посылки.jpg"),
    ],
)
def test_file_names_are_cleaned_for_display(name, clean):
    assert clean_filename(name) == clean


def test_a_long_file_name_is_cut_to_120_characters_keeping_its_extension():
    name = clean_filename("a" * 300 + ".jpeg")

    assert len(name) == 120
    assert name.endswith("….jpeg")


def test_the_checked_upload_carries_the_cleaned_name_and_the_message_uses_it():
    checked = check_upload(upload(image_bytes("JPEG"), "../../etc/passwd.jpg"), **LIMITS)
    error = rejection(HTML, name="photo\u202egpj.exe")

    assert checked.original_name == "passwd.jpg"
    assert "“photogpj.exe”" in error.messages[0]


@pytest.mark.parametrize(
    ("name", "extension", "download"),
    [
        ("photogpj.exe", ".jpg", "photogpj.jpg"),
        ("IMG_0001.JPEG", ".jpg", "IMG_0001.JPEG"),
        ("clip", ".webm", "clip.webm"),
        ("clip.MOV", ".mov", "clip.MOV"),
        ("../x.png", ".webp", "x.webp"),
    ],
)
def test_the_download_name_has_the_extension_of_the_content(name, extension, download):
    assert safe_download_name(name, extension) == download


# --- several files ----------------------------------------------------------------------------
def test_more_than_the_allowed_number_of_files_is_refused():
    files = [upload(image_bytes("JPEG"), f"{i}.jpg") for i in range(11)]

    with pytest.raises(ValidationError) as caught:
        check_uploads(files, max_files=10, **LIMITS)

    assert caught.value.messages == ["You can attach at most 10 files."]


def test_every_bad_file_gets_its_own_error():
    files = [
        upload(image_bytes("JPEG"), "good.jpg"),
        upload(image_bytes("GIF"), "anim.gif"),
        upload(b"", "empty.png"),
    ]

    with pytest.raises(ValidationError) as caught:
        check_uploads(files, max_files=10, **LIMITS)

    assert [e.code for e in caught.value.error_list] == ["unsupported_type", "empty"]
    assert "“anim.gif”" in caught.value.messages[0]
    assert "“empty.png”" in caught.value.messages[1]


def test_good_files_come_back_in_order():
    files = [
        upload(image_bytes("PNG"), "a.png"),
        upload(mp4(), "b.mp4"),
        upload(image_bytes("WEBP"), "c.webp"),
    ]

    checked = check_uploads(files, max_files=3, **LIMITS)

    assert [c.original_name for c in checked] == ["a.png", "b.mp4", "c.webp"]
    assert all(isinstance(c, CheckedUpload) for c in checked)


# --- derivatives ----------------------------------------------------------------------------
def open_jpeg(file: ContentFile) -> Image.Image:
    image = Image.open(io.BytesIO(file.read()))
    file.seek(0)
    return image


def test_derivatives_carry_no_exif_and_no_gps():
    display, thumbnail = make_image_derivatives(
        io.BytesIO(jpeg_with_exif()), display_max_side=1600, thumb_side=320
    )

    for file in (display, thumbnail):
        image = open_jpeg(file)
        assert image.format == "JPEG"
        assert "exif" not in image.info
        assert not image.getexif()
        assert b"Canon" not in file.read()


def test_derivatives_are_named_display_and_thumb():
    display, thumbnail = make_image_derivatives(
        io.BytesIO(image_bytes()), display_max_side=100, thumb_side=10
    )

    assert (display.name, thumbnail.name) == ("display.jpg", "thumb.jpg")


def test_derivatives_are_turned_upright():
    display, _ = make_image_derivatives(
        io.BytesIO(jpeg_with_exif(size=(200, 100), orientation=6)), display_max_side=1600, thumb_side=320
    )

    assert open_jpeg(display).size == (100, 200)


@pytest.mark.parametrize("size", [(3000, 1000), (500, 2000), (320, 320)])
def test_the_display_copy_and_thumbnail_fit_their_boxes(size):
    display, thumbnail = make_image_derivatives(
        io.BytesIO(image_bytes("PNG", size=size)), display_max_side=1600, thumb_side=320
    )

    assert max(open_jpeg(display).size) == min(1600, max(size))
    assert max(open_jpeg(thumbnail).size) == 320


def test_a_small_photo_is_never_enlarged():
    display, thumbnail = make_image_derivatives(
        io.BytesIO(image_bytes("WEBP", size=(40, 30))), display_max_side=1600, thumb_side=320
    )

    assert open_jpeg(display).size == open_jpeg(thumbnail).size == (40, 30)


@pytest.mark.parametrize(
    ("fmt", "mode", "color"),
    [
        ("PNG", "RGBA", (0, 0, 0, 0)),
        ("PNG", "P", 3),
        ("PNG", "I;16", 40000),
        ("JPEG", "CMYK", (0, 0, 0, 0)),
        ("WEBP", "RGBA", (255, 0, 0, 128)),
    ],
)
def test_any_colour_mode_becomes_an_rgb_jpeg(fmt, mode, color):
    display, _ = make_image_derivatives(
        io.BytesIO(image_bytes(fmt, mode=mode, color=color)), display_max_side=100, thumb_side=10
    )

    assert open_jpeg(display).mode == "RGB"


def test_a_large_transparent_picture_is_shrunk_strip_by_strip_into_the_same_picture():
    picture = Image.new("RGBA", (7000, 1000), (0, 0, 0, 0))
    picture.paste((0, 0, 255, 255), (0, 500, 7000, 1000))
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")

    display, _ = make_image_derivatives(buffer, display_max_side=1600, thumb_side=10)

    shown = open_jpeg(display)
    assert shown.size == (1600, 229)
    assert all(channel > 250 for channel in shown.getpixel((800, 50)))
    red, green, blue = shown.getpixel((800, 200))
    assert blue > 240 and red < 15 and green < 15


def test_the_worker_refuses_a_picture_over_the_cap_it_is_given():
    with pytest.raises(ImageTooLarge):
        make_image_derivatives(
            io.BytesIO(image_bytes("PNG", size=(100, 100))),
            display_max_side=50,
            thumb_side=10,
            max_pixels=50_000,
            max_pixels_whole_decode=5_000,
        )


def test_a_rotated_phone_jpeg_decoded_reduced_is_still_turned_upright():
    display, thumbnail = make_image_derivatives(
        io.BytesIO(jpeg_with_exif(size=(4000, 3000), orientation=6)), display_max_side=1600, thumb_side=320
    )

    assert open_jpeg(display).size == (1200, 1600)
    assert open_jpeg(thumbnail).size == (240, 320)


def test_transparency_is_flattened_onto_white():
    display, _ = make_image_derivatives(
        io.BytesIO(image_bytes("PNG", mode="RGBA", color=(0, 0, 0, 0))), display_max_side=100, thumb_side=10
    )

    assert all(channel > 250 for channel in open_jpeg(display).getpixel((5, 5)))


def test_a_colour_profile_is_applied_and_not_copied():
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()

    display, _ = make_image_derivatives(
        io.BytesIO(image_bytes("JPEG", icc_profile=profile)), display_max_side=100, thumb_side=10
    )

    assert "icc_profile" not in open_jpeg(display).info


# --- serving ----------------------------------------------------------------------------------
@pytest.fixture
def stored(db):
    name = default_storage.save("tests/evidence.jpg", ContentFile(image_bytes("JPEG")))
    field = FieldFile(None, models.FileField(storage=default_storage), name)
    yield field
    default_storage.delete(name)


def body(response) -> bytes:
    content = b"".join(response.streaming_content)
    response.close()
    return content


def test_a_private_photo_is_served_inline_with_protective_headers(stored):
    response = private_file_response(stored, download_name="box.jpg", content_type="image/jpeg", inline=True)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == 'inline; filename="box.jpg"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, max-age=600"
    assert response["Content-Security-Policy"] == (
        "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; sandbox"
    )
    assert body(response) == stored.storage.open(stored.name).read()


def test_an_original_is_served_as_an_attachment(stored):
    response = private_file_response(stored, download_name="box.jpg", content_type="image/jpeg", inline=False)

    assert response["Content-Disposition"] == 'attachment; filename="box.jpg"'
    body(response)


def test_a_non_ascii_name_gets_an_ascii_fallback_and_an_encoded_filename_star():
    assert content_disposition("фото посылки.jpg", inline=False) == (
        "attachment; filename=\"download.jpg\"; filename*=UTF-8''%D1%84%D0%BE%D1%82%D0%BE%20"
        "%D0%BF%D0%BE%D1%81%D1%8B%D0%BB%D0%BA%D0%B8.jpg"
    )
    assert content_disposition("Crème brûlée.png", inline=True).startswith(
        "inline; filename=\"Creme brulee.png\"; filename*=UTF-8''Cr%C3%A8me"
    )


@pytest.mark.parametrize("name", ['a"; filename="evil.html', "x\r\nSet-Cookie: a=b.jpg", "../../.htaccess"])
def test_a_hostile_download_name_cannot_break_the_header(name):
    value = content_disposition(name, inline=False)

    assert "\r" not in value and "\n" not in value
    assert value.count('"') == 2
    assert "/" not in value.split("filename*=")[0]


def test_a_type_that_is_not_a_photo_or_video_is_only_ever_downloaded(stored):
    response = private_file_response(stored, download_name="page.html", content_type="text/html", inline=True)

    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    body(response)


def test_a_byte_range_is_served_for_seeking_in_videos(stored):
    request = RequestFactory().get("/", headers={"Range": "bytes=2-9"})
    whole = stored.storage.open(stored.name).read()

    response = private_file_response(
        stored, download_name="clip.mp4", content_type="video/mp4", inline=True, request=request
    )

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 2-9/{len(whole)}"
    assert response["Content-Length"] == "8"
    assert body(response) == whole[2:10]


def test_a_range_response_closes_its_file_even_if_never_read(stored, monkeypatch):
    opened = []
    real_open = stored.storage.open
    monkeypatch.setattr(
        stored.storage, "open", lambda *a, **k: opened.append(real_open(*a, **k)) or opened[-1]
    )
    request = RequestFactory().get("/", headers={"Range": "bytes=0-1"})

    response = private_file_response(
        stored, download_name="clip.mp4", content_type="video/mp4", inline=True, request=request
    )
    response.close()

    assert opened[0].closed


def test_an_unsatisfiable_range_gets_the_whole_file(stored):
    request = RequestFactory().get("/", headers={"Range": "bytes=999999-"})

    response = private_file_response(
        stored, download_name="clip.mp4", content_type="video/mp4", inline=True, request=request
    )

    assert response.status_code == 200
    body(response)


def test_a_missing_file_is_not_found():
    missing = FieldFile(None, models.FileField(storage=default_storage), "tests/nothing-here.jpg")

    with pytest.raises(Http404):
        private_file_response(missing, download_name="x.jpg", content_type="image/jpeg", inline=True)
