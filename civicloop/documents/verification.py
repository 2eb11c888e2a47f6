# SPDX-License-Identifier: MPL-2.0
"""Is this PDF one the municipality issued, unchanged? The public verification page's logic."""

import hashlib
from dataclasses import dataclass

from civicloop.core.identifiers import ALPHABET
from civicloop.documents import signing
from civicloop.documents.models import IssuedDocument

NOT_ISSUED = "not_issued"  # a sound signature, but the bytes match no document we issued
OTHER_SIGNER = "other_signer"  # trusted, but not the certificate this document was issued with


@dataclass(frozen=True)
class Verification:
    authentic: bool
    problem: str = ""
    document: IssuedDocument | None = None


def verify_pdf(data: bytes) -> Verification:
    """Authentic when the signature is intact, trusted, covers the whole file, and the file is one we issued.

    The document is returned only when authentic, so a tampered copy reveals nothing about the original.
    """
    check = signing.check_signature(data)
    if not check.ok:
        return Verification(False, str(check.problem))
    digest = hashlib.sha256(data).hexdigest()
    document = IssuedDocument.objects.select_related("case__department").filter(sha256=digest).first()
    if document is None:
        return Verification(False, NOT_ISSUED)
    if document.signer_sha256 != check.signer_sha256:
        return Verification(False, OTHER_SIGNER)
    return Verification(True, "", document)


def normalize_code(raw: str) -> str:
    """`v-7kq4 m9xd` → `V-7KQ4-M9XD`: case, spaces and Crockford's look-alikes (O→0, I/L→1) forgiven."""
    text = raw.upper().translate(str.maketrans("OIL", "011"))
    body = "".join(ch for ch in text if ch in ALPHABET)
    if len(body) == 9 and body.startswith("V"):
        body = body[1:]
    if len(body) != 8:
        return ""
    return f"V-{body[:4]}-{body[4:]}"


def find_by_code(raw: str) -> IssuedDocument | None:
    code = normalize_code(raw)
    if not code:
        return None
    return IssuedDocument.objects.select_related("case__department").filter(verification_code=code).first()
