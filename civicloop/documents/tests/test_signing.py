# SPDX-License-Identifier: MPL-2.0
import io
import stat
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from civicloop.core import keys
from civicloop.documents import signing
from civicloop.documents.models import IssuedDocument
from civicloop.documents.signing import Problem
from civicloop.documents.tests.conftest import pdf_bytes, poppler

pytestmark = pytest.mark.django_db


def flip_a_content_byte(data: bytes) -> bytes:
    """Change one byte inside the first page's content stream (the signed bytes), keeping the file's shape."""
    start = data.index(b"stream\n", data.index(b"/Contents")) + len(b"stream\n")
    spot = start + 10
    return data[:spot] + bytes([data[spot] ^ 0x01]) + data[spot + 1 :]


def append_an_incremental_update(data: bytes) -> bytes:
    """What a PDF editor does when it 'saves changes': a new revision after the signed one."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    info = writer.set_info(generic.DictionaryObject({generic.NameObject("/Title"): generic.TextStringObject("改ざん")}))
    assert info is not None
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_an_issued_document_validates(document: IssuedDocument) -> None:
    check = signing.check_signature(pdf_bytes(document))
    assert check.ok
    assert check.signer_sha256 == document.signer_sha256


def test_an_independent_validator_finds_the_signature_sound(document: IssuedDocument, tmp_path: Path) -> None:
    report = poppler("pdfsig", pdf_bytes(document), tmp_path)
    assert "Signature is Valid" in report
    assert "Total document signed" in report
    assert "ETSI.CAdES.detached" in report  # PAdES


def test_a_changed_byte_in_the_content_breaks_the_signature(document: IssuedDocument) -> None:
    check = signing.check_signature(flip_a_content_byte(pdf_bytes(document)))
    assert check.problem in {Problem.BROKEN, Problem.UNREADABLE}
    assert not check.ok


def test_an_update_appended_after_signing_is_not_accepted(document: IssuedDocument) -> None:
    check = signing.check_signature(append_an_incremental_update(pdf_bytes(document)))
    assert check.problem is Problem.MODIFIED


def test_an_unsigned_pdf_is_reported_as_unsigned() -> None:
    from civicloop.documents.rendering import render_pdf

    assert signing.check_signature(render_pdf("<p>unsigned</p>")).problem is Problem.UNSIGNED


def test_a_document_signed_only_by_another_ca_is_untrusted(
    settings: object, signing_var_dir: Path, tmp_path: Path
) -> None:
    from civicloop.documents.rendering import render_pdf

    settings.VAR_DIR = tmp_path / "forger"  # type: ignore[attr-defined]
    forged = signing.sign_pdf(render_pdf("<p>渋谷区長</p>"), reason="偽造", location="どこか")
    settings.VAR_DIR = signing_var_dir  # type: ignore[attr-defined]
    assert signing.check_signature(forged).problem is Problem.UNTRUSTED


def test_production_without_a_key_refuses_to_sign(settings: object) -> None:
    settings.DEBUG = False  # type: ignore[attr-defined]
    settings.DEMO_ENABLED = False  # type: ignore[attr-defined]
    with pytest.raises(ImproperlyConfigured, match="CIVICLOOP_SIGNING_KEY_FILE"):
        signing.sign_pdf(b"%PDF-1.7", reason="x", location="y")


def test_a_configured_key_and_chain_are_used_in_production(settings: object, signing_var_dir: Path) -> None:
    directory = signing.create_demo_ca(signing_var_dir / "signing")
    settings.DEBUG = False  # type: ignore[attr-defined]
    settings.DEMO_ENABLED = False  # type: ignore[attr-defined]
    settings.SIGNING_KEY_FILE = str(directory / keys.DEMO_SIGNER_KEY)  # type: ignore[attr-defined]
    settings.SIGNING_CERT_FILE = str(directory / keys.DEMO_SIGNER_CERT)  # type: ignore[attr-defined]
    settings.SIGNING_CHAIN_FILES = [str(directory / keys.DEMO_ROOT_CERT)]  # type: ignore[attr-defined]
    loaded = signing.material()
    assert not loaded.is_demo
    assert len(loaded.trust_roots) == 1


def test_a_chain_without_its_root_is_refused(settings: object, signing_var_dir: Path) -> None:
    directory = signing.create_demo_ca(signing_var_dir / "signing")
    settings.SIGNING_KEY_FILE = str(directory / keys.DEMO_SIGNER_KEY)  # type: ignore[attr-defined]
    settings.SIGNING_CERT_FILE = str(directory / keys.DEMO_SIGNER_CERT)  # type: ignore[attr-defined]
    settings.SIGNING_CHAIN_FILES = []  # type: ignore[attr-defined]
    with pytest.raises(ImproperlyConfigured, match="root certificate"):
        signing.material()


def test_a_certificate_that_does_not_chain_to_the_root_is_refused(
    settings: object, signing_var_dir: Path, tmp_path: Path
) -> None:
    ours = signing.create_demo_ca(signing_var_dir / "signing")
    theirs = signing.create_demo_ca(tmp_path / "theirs")
    settings.SIGNING_KEY_FILE = str(theirs / keys.DEMO_SIGNER_KEY)  # type: ignore[attr-defined]
    settings.SIGNING_CERT_FILE = str(theirs / keys.DEMO_SIGNER_CERT)  # type: ignore[attr-defined]
    settings.SIGNING_CHAIN_FILES = [str(ours / keys.DEMO_ROOT_CERT)]  # type: ignore[attr-defined]
    with pytest.raises(ImproperlyConfigured, match="does not validate"):
        signing.material()


def test_a_missing_key_file_is_a_clear_configuration_error(settings: object, tmp_path: Path) -> None:
    settings.SIGNING_KEY_FILE = str(tmp_path / "absent.key")  # type: ignore[attr-defined]
    settings.SIGNING_CERT_FILE = str(tmp_path / "absent.pem")  # type: ignore[attr-defined]
    with pytest.raises(ImproperlyConfigured, match="could not be read"):
        signing.material()


def test_the_demo_ca_keys_are_readable_by_the_owner_only(tmp_path: Path) -> None:
    directory = signing.create_demo_ca(tmp_path / "signing")
    for name in (keys.DEMO_ROOT_KEY, keys.DEMO_SIGNER_KEY):
        assert stat.S_IMODE((directory / name).stat().st_mode) == 0o600
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700


def test_the_demo_ca_is_made_once(tmp_path: Path) -> None:
    directory = signing.create_demo_ca(tmp_path / "signing")
    first = (directory / keys.DEMO_SIGNER_CERT).read_bytes()
    signing.create_demo_ca(tmp_path / "signing")
    assert (directory / keys.DEMO_SIGNER_CERT).read_bytes() == first
    signing.create_demo_ca(tmp_path / "signing", force=True)
    assert (directory / keys.DEMO_SIGNER_CERT).read_bytes() != first


def test_the_deploy_check_reports_a_production_without_a_key(settings: object) -> None:
    from civicloop.documents.checks import signing_key_configured

    settings.DEBUG = False  # type: ignore[attr-defined]
    settings.DEMO_ENABLED = False  # type: ignore[attr-defined]
    assert [message.id for message in signing_key_configured(None)] == ["documents.E001"]
    settings.SIGNING_KEY_FILE = "/etc/civicloop/signing/key.pem"  # type: ignore[attr-defined]
    assert signing_key_configured(None) == []
