# SPDX-License-Identifier: MPL-2.0
"""The municipality's signing key and certificate chain, for everything the platform signs.

Result documents (documents.signing) and the audit chain's checkpoints (core.audit_checkpoints)
are signed with the same key. Production configures a key and certificate issued to the
municipality (LGPKI or another organisation CA) and the chain up to its root (docs/documents.md).
Development and the demo get a demo CA made once with `cryptography` in VAR_DIR/signing, so
signing works out of the box; without keys and without the demo, loading refuses with
ImproperlyConfigured rather than sign with something nobody can verify.
"""

import asyncio
import datetime
import functools
import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from pyhanko.keys import load_cert_from_pemder, load_certs_from_pemder, load_private_key_from_pemder
from pyhanko.sign import signers
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

DEMO_ROOT_CERT = "demo-root.pem"
DEMO_ROOT_KEY = "demo-root.key"
DEMO_SIGNER_CERT = "signer.pem"
DEMO_SIGNER_KEY = "signer.key"


@dataclass(frozen=True)
class SigningMaterial:
    signer: signers.SimpleSigner
    trust_roots: tuple[asn1_x509.Certificate, ...]
    chain: tuple[asn1_x509.Certificate, ...]
    signer_sha256: str
    is_demo: bool


def demo_dir() -> Path:
    return Path(settings.VAR_DIR) / "signing"


def material() -> SigningMaterial:
    """The configured key, or the demo CA's (made on first use); ImproperlyConfigured when neither."""
    return _load(
        settings.SIGNING_KEY_FILE,
        settings.SIGNING_CERT_FILE,
        settings.SIGNING_KEY_PASSPHRASE,
        tuple(settings.SIGNING_CHAIN_FILES),
        bool(settings.DEMO_ENABLED or settings.DEBUG),
        str(demo_dir()),
    )


@functools.lru_cache(maxsize=4)
def _load(
    key_file: str, cert_file: str, passphrase: str, chain_files: tuple[str, ...], demo_allowed: bool, demo: str
) -> SigningMaterial:
    if key_file or cert_file:
        return _load_configured(key_file, cert_file, passphrase, chain_files)
    if not demo_allowed:
        raise ImproperlyConfigured(
            "No signing key: set CIVICLOOP_SIGNING_KEY_FILE, CIVICLOOP_SIGNING_CERT_FILE and "
            "CIVICLOOP_SIGNING_CHAIN_FILES to the municipality's certificate (docs/documents.md). "
            "The demo CA is only made with CIVICLOOP_DEMO or CIVICLOOP_DEBUG on."
        )
    directory = create_demo_ca(Path(demo))
    return _load_configured(
        str(directory / DEMO_SIGNER_KEY),
        str(directory / DEMO_SIGNER_CERT),
        "",
        (str(directory / DEMO_ROOT_CERT),),
        is_demo=True,
    )


def _load_configured(
    key_file: str, cert_file: str, passphrase: str, chain_files: tuple[str, ...], *, is_demo: bool = False
) -> SigningMaterial:
    secret = passphrase.encode() if passphrase else None
    try:
        chain = tuple(load_certs_from_pemder(list(chain_files)))
        if key_file.lower().endswith((".p12", ".pfx")) and not cert_file:
            signer = signers.SimpleSigner.load_pkcs12_data(Path(key_file).read_bytes(), chain, passphrase=secret)
        elif not (key_file and cert_file):
            raise ImproperlyConfigured(
                "Set both CIVICLOOP_SIGNING_KEY_FILE and CIVICLOOP_SIGNING_CERT_FILE (or a .p12 key file alone)"
            )
        else:
            signer = signers.SimpleSigner(
                signing_cert=load_cert_from_pemder(cert_file),
                signing_key=load_private_key_from_pemder(key_file, passphrase=secret),
                cert_registry=SimpleCertificateStore.from_certs(chain),
            )
    except (OSError, ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"The signing key or certificates could not be read: {exc}") from exc
    if signer.signing_cert is None:
        raise ImproperlyConfigured("The signing key file holds no certificate")
    roots = tuple(cert for cert in chain if cert.self_signed != "no")
    if not roots:
        raise ImproperlyConfigured(
            "CIVICLOOP_SIGNING_CHAIN_FILES must include the root certificate: the verification page trusts it"
        )
    _check_chain(signer.signing_cert, chain, roots)
    return SigningMaterial(
        signer=signer,
        trust_roots=roots,
        chain=chain,
        signer_sha256=hashlib.sha256(signer.signing_cert.dump()).hexdigest(),
        is_demo=is_demo,
    )


def _check_chain(
    cert: asn1_x509.Certificate, chain: tuple[asn1_x509.Certificate, ...], roots: tuple[asn1_x509.Certificate, ...]
) -> None:
    """Refuse at load a certificate that does not chain to the root: every document would fail verification."""
    validator = CertificateValidator(cert, intermediate_certs=list(chain), validation_context=validation_context(roots))
    try:
        asyncio.run(validator.async_validate_usage({"non_repudiation"}))
    except Exception as exc:  # certvalidator raises several unrelated types for a bad path
        raise ImproperlyConfigured(
            f"The signing certificate does not validate against the configured root: {exc}"
        ) from exc


def validation_context(roots: tuple[asn1_x509.Certificate, ...]) -> ValidationContext:
    # Offline: no CRL/OCSP fetching from a web process (revocation is "soft-fail" without fetched data).
    return ValidationContext(trust_roots=list(roots), allow_fetching=False)


def create_demo_ca(directory: Path | None = None, *, force: bool = False) -> Path:
    """Make the demo root CA and the municipality's demo signing certificate once (keys mode 0600).

    Written to a temporary directory and renamed into place, so two processes starting at once
    never pair one's key with the other's certificate. Returns the directory.
    """
    directory = directory or demo_dir()
    if (directory / DEMO_SIGNER_CERT).exists() and not force:
        return directory
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".signing-", dir=directory.parent))  # mode 0700
    _write_demo_ca(staging)
    if force and directory.exists():
        shutil.rmtree(directory)
    try:
        os.rename(staging, directory)
    except OSError:  # another process got there first: use its files
        shutil.rmtree(staging, ignore_errors=True)
    _load.cache_clear()
    return directory


def _write_demo_ca(target: Path) -> None:
    now = datetime.datetime.now(datetime.UTC)
    lg = settings.LG_NAME_JA
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = _name(f"{lg} デモ認証局 (DEMO CA, not trusted)")
    root = (
        _builder(root_name, root_name, root_key.public_key(), now, days=3650)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .sign(root_key, hashes.SHA256())
    )
    signer_key = ec.generate_private_key(ec.SECP256R1())
    signer = (
        _builder(_name(f"{lg}長 (DEMO)"), root_name, signer_key.public_key(), now, days=825)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    _write(target / DEMO_ROOT_CERT, root.public_bytes(serialization.Encoding.PEM), 0o644)
    _write(target / DEMO_SIGNER_CERT, signer.public_bytes(serialization.Encoding.PEM), 0o644)
    for path, key in ((target / DEMO_ROOT_KEY, root_key), (target / DEMO_SIGNER_KEY, signer_key)):
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        _write(path, pem, 0o600)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, settings.LG_NAME_JA),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _builder(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: ec.EllipticCurvePublicKey,
    now: datetime.datetime,
    *,
    days: int,
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=not cert_sign,  # non-repudiation: what pyHanko requires of a signer by default
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _write(path: Path, data: bytes, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
