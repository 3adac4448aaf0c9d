"""Evidence uploads as a phone sends them: a 12-megapixel JPEG (4000 x 3000, a few MB), checked
as the request checks it (``check_upload``: structure, headers and the pixel cap, no decode) and
re-encoded as the worker does (``make_image_derivatives``: a reduced decode, a display copy and a
thumbnail). The worker's peak memory is measured in a child process (``ru_maxrss``)."""

import io
import statistics
import subprocess
import sys
import time

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from disputes import policy
from portal.uploads import check_upload, make_image_derivatives

#: The issue's targets: the request's check, the worker's derivatives (ms).
CHECK_TARGET_MS = 100
DERIVATIVES_TARGET_MS = 300
SIZE = (4000, 3000)


def phone_photo() -> bytes:
    """A 12 MP JPEG whose noise keeps it as large as a real photo (no flat colour to compress)."""
    noise = Image.effect_noise(SIZE, 60)
    picture = Image.merge("RGB", (noise, noise.rotate(180), noise.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=88)
    return out.getvalue()


def derivatives(data: bytes) -> None:
    make_image_derivatives(
        io.BytesIO(data),
        display_max_side=policy.DISPLAY_IMAGE_MAX_SIDE,
        thumb_side=policy.THUMBNAIL_SIDE,
        max_pixels=policy.MAX_IMAGE_PIXELS,
        max_pixels_whole_decode=policy.MAX_PNG_WEBP_PIXELS,
    )


def timed(action, runs: int) -> list[float]:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def measure_uploads(*, runs: int = 5) -> dict:
    """Median and worst of ``runs`` checks and re-encodings of one 12 MP photo."""
    data = phone_photo()

    def check() -> None:
        check_upload(
            SimpleUploadedFile("IMG_0001.jpg", data, content_type="image/jpeg"),
            max_photo_bytes=policy.MAX_PHOTO_BYTES,
            max_video_bytes=policy.MAX_VIDEO_BYTES,
            max_pixels=policy.MAX_IMAGE_PIXELS,
            max_pixels_whole_decode=policy.MAX_PNG_WEBP_PIXELS,
        )

    checks = timed(check, runs)
    encodes = timed(lambda: derivatives(data), runs)
    return {
        "photo": f"{SIZE[0]} x {SIZE[1]} JPEG, {len(data) / 1_000_000:.1f} MB",
        "check_p50_ms": round(statistics.median(checks), 1),
        "check_max_ms": round(max(checks), 1),
        "check_target_ms": CHECK_TARGET_MS,
        "derivatives_p50_ms": round(statistics.median(encodes), 1),
        "derivatives_max_ms": round(max(encodes), 1),
        "derivatives_target_ms": DERIVATIVES_TARGET_MS,
        "derivatives_peak_mb": worker_peak_mb(data),
    }


def worker_peak_mb(data: bytes) -> float | None:
    """The peak memory of a fresh process (Django loaded, the photo read) that re-encodes it once;
    for comparison, a whole decode of 12 MP is 36 MB of pixels alone."""
    code = (
        "import io, resource, sys, django; django.setup()\n"
        "from tests.scale.uploads import derivatives\n"
        "data = sys.stdin.buffer.read()\n"
        "derivatives(data)\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], input=data, capture_output=True, check=False)
    if result.returncode:
        return None
    return round(int(result.stdout.split()[-1]) / 1024, 1)


def lines(uploads: dict) -> list[str]:
    if not uploads:
        return []
    check_ok = uploads["check_p50_ms"] <= CHECK_TARGET_MS
    encode_ok = uploads["derivatives_p50_ms"] <= DERIVATIVES_TARGET_MS
    return [
        "",
        f"Uploads ({uploads['photo']}):",
        f"  check in the request: {uploads['check_p50_ms']:.1f} ms (worst {uploads['check_max_ms']:.1f}), "
        f"target ≤{CHECK_TARGET_MS} ms: {'ok' if check_ok else 'MISSED'}",
        f"  worker's display copy + thumbnail: {uploads['derivatives_p50_ms']:.0f} ms "
        f"(worst {uploads['derivatives_max_ms']:.0f}), "
        f"worker process peak {uploads['derivatives_peak_mb']} MB, "
        f"target ≤{DERIVATIVES_TARGET_MS} ms: {'ok' if encode_ok else 'MISSED'}",
    ]
