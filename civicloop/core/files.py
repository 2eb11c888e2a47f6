# SPDX-License-Identifier: MPL-2.0
"""What an uploaded file really is, read from its first bytes (never from its name)."""

import filetype
from django.core.files.uploadedfile import UploadedFile

# What each catalogue type name admits, by the MIME type detected from the file's bytes.
ALLOWED_MIME = {
    "pdf": {"application/pdf"},
    "jpeg": {"image/jpeg"},
    "png": {"image/png"},
    "heic": {"image/heic", "image/heif"},
}


def detect_mime(upload: "UploadedFile[bytes]") -> str | None:
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    return kind.mime if kind else None
