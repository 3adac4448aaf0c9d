"""Uploaded photos and videos: checked by their content, re-encoded for display, served privately.

Shared by dispute evidence and chat attachments. Nothing the client says is trusted: not the file
name, not the declared content type. A file is what its bytes say it is, and only the formats in
``formats.TYPES`` get through. Photos are checked by structure and headers under a pixel cap in
the request, and decoded only by the worker, reduced where the format allows, within a memory
bound; videos are walked box by box (MP4/MOV) or element by element (WebM) without being read
into memory.
"""

from portal.uploads.checks import CHUNK_SIZE, CheckedUpload, check_upload, check_uploads
from portal.uploads.formats import PHOTO, TYPES, VIDEO, FileType, sniff
from portal.uploads.images import ImageTooLarge, make_image_derivatives
from portal.uploads.names import MAX_NAME_LENGTH, clean_filename, safe_download_name
from portal.uploads.serving import (
    INLINE_CONTENT_TYPES,
    PRIVATE_FILE_MAX_AGE,
    content_disposition,
    private_file_response,
)

__all__ = [
    "CHUNK_SIZE",
    "INLINE_CONTENT_TYPES",
    "MAX_NAME_LENGTH",
    "PHOTO",
    "PRIVATE_FILE_MAX_AGE",
    "TYPES",
    "VIDEO",
    "CheckedUpload",
    "FileType",
    "ImageTooLarge",
    "check_upload",
    "check_uploads",
    "clean_filename",
    "content_disposition",
    "make_image_derivatives",
    "private_file_response",
    "safe_download_name",
    "sniff",
]
