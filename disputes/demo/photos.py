"""Evidence photos for the demo, drawn with Pillow: real JPEGs that pass the upload checks."""

import hashlib
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw, ImageFilter, ImageFont

SIZE = (960, 720)


def _palette(caption: str) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    digest = hashlib.sha256(caption.encode()).digest()
    background = (150 + digest[0] % 80, 140 + digest[1] % 80, 120 + digest[2] % 80)
    product = (30 + digest[3] % 120, 30 + digest[4] % 100, 30 + digest[5] % 90)
    return background, product


def photo(caption: str) -> SimpleUploadedFile:
    """A photo of "the item" on a table, with a red mark where the problem is and the caption."""
    background, product = _palette(caption)
    image = Image.new("RGB", SIZE, background)
    draw = ImageDraw.Draw(image)
    width, height = SIZE
    for row in range(height // 2, height, 6):  # the table, darker towards the camera
        shade = tuple(max(0, channel - (row - height // 2) // 6) for channel in background)
        draw.rectangle((0, row, width, row + 6), fill=shade)
    box = (width // 4, height // 4, width * 3 // 4, height * 3 // 4)
    draw.rounded_rectangle((box[0] + 14, box[1] + 18, box[2] + 14, box[3] + 18), 28, fill=(60, 60, 60))
    image = image.filter(ImageFilter.GaussianBlur(6))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle(box, 28, fill=product, outline=(235, 235, 235), width=3)
    mark = (box[0] + (box[2] - box[0]) * 3 // 5, box[1] + (box[3] - box[1]) // 3)
    draw.ellipse((mark[0] - 70, mark[1] - 50, mark[0] + 70, mark[1] + 50), outline=(220, 30, 30), width=8)
    draw.line((mark[0] - 40, mark[1] - 20, mark[0] + 35, mark[1] + 25), fill=(245, 245, 245), width=4)
    font = ImageFont.load_default(size=40)
    draw.rectangle((0, height - 70, width, height), fill=(20, 20, 20))
    draw.text((24, height - 56), caption, fill=(255, 255, 255), font=font)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    name = caption.lower().replace(" ", "-").replace(":", "")[:40] + ".jpg"
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")
