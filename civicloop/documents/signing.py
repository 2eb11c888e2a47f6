# SPDX-License-Identifier: MPL-2.0
"""Signing result PDFs as the municipality (PAdES B-B) and checking their signatures.

The key and its chain are core.keys (shared with the audit checkpoints); `material` and
`create_demo_ca` are re-exported here for the documents app's callers.
"""

import enum
import hashlib
import io
from dataclasses import dataclass

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature

from civicloop.core.keys import SigningMaterial, create_demo_ca, material, validation_context

__all__ = ["Problem", "SignatureCheck", "SigningMaterial", "check_signature", "create_demo_ca", "material", "sign_pdf"]

FIELD_NAME = "MunicipalitySignature"


class Problem(enum.StrEnum):
    """Why a PDF's signature is not the municipality's intact signature over the whole file."""

    UNREADABLE = "unreadable"  # not a PDF pyHanko can parse
    UNSIGNED = "unsigned"  # no signature at all
    BROKEN = "broken"  # the signed bytes were changed: the digest or the signature does not match
    UNTRUSTED = "untrusted"  # a sound signature, but not by a certificate under our trust root
    MODIFIED = "modified"  # intact, but something was appended after signing (incremental update)


@dataclass(frozen=True)
class SignatureCheck:
    problem: Problem | None
    signer_sha256: str = ""

    @property
    def ok(self) -> bool:
        return self.problem is None


def sign_pdf(pdf: bytes, *, reason: str, location: str) -> bytes:
    """Sign `pdf` as the municipality: one PAdES baseline B-B signature covering the whole file."""
    keys = material()
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        location=location,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    output = signers.PdfSigner(meta, keys.signer).sign_pdf(writer)
    return bytes(output.getbuffer())


def check_signature(pdf: bytes) -> SignatureCheck:
    """Whether `pdf` carries one intact signature, trusted under our root, over the entire file."""
    keys = material()
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
        if not signatures:
            return SignatureCheck(Problem.UNSIGNED)
        status = validate_pdf_signature(signatures[0], validation_context(keys.trust_roots), skip_diff=True)
    except (PdfError, ValueError, KeyError, TypeError, IndexError, AttributeError, OSError):
        # Untrusted bytes through a third-party parser: any failure to read means "not authentic".
        return SignatureCheck(Problem.UNREADABLE)
    signer_sha256 = hashlib.sha256(status.signing_cert.dump()).hexdigest()
    if not (status.intact and status.valid):
        return SignatureCheck(Problem.BROKEN, signer_sha256)
    if not status.trusted:
        return SignatureCheck(Problem.UNTRUSTED, signer_sha256)
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return SignatureCheck(Problem.MODIFIED, signer_sha256)
    return SignatureCheck(None, signer_sha256)
