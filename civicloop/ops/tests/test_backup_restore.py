# SPDX-License-Identifier: MPL-2.0
"""backup_site → restore_site → verify_restore, as an operator runs them: a second database, a second media folder.

The backup runs in this process against the test database (committed data: pg_dump reads it from
another process). The restore and the checks run as `manage.py` processes pointed at a database
this test makes (a SQLite file, or a PostgreSQL database of its own, dropped afterwards) and a
folder of their own, with the same audit key, as on the machine of a restore drill.
"""

import copy
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from civicloop.accounts.models import User
from civicloop.applications import actions as application_actions
from civicloop.applications.models import Application, Attachment
from civicloop.applications.tests.test_attachments import tiny_png
from civicloop.cases.actions import claim_case
from civicloop.cases.models import Case
from civicloop.catalog.models import Procedure
from civicloop.core.audit import new_key_value
from civicloop.core.models import AuditEntry
from civicloop.documents.issue import issue_document
from civicloop.documents.models import IssuedDocument
from civicloop.testing.answers import VALID_SODAI_GOMI
from civicloop.testing.s3_server import S3Bucket, storage_environment

# Committed data: pg_dump reads the database from its own connection.
pytestmark = pytest.mark.django_db(transaction=True)

AUDIT_KEY = new_key_value("backup-test")


@dataclass(frozen=True)
class Target:
    """The second site: a database and a media folder of its own, reached by `manage.py` processes."""

    database_url: str
    media: Path
    var_dir: Path
    storage: Mapping[str, str] = field(default_factory=dict)  # CIVICLOOP_S3_* for a bucket instead of `media`

    def manage(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        environment = (
            {
                name: value
                for name, value in os.environ.items()
                if not name.startswith("CIVICLOOP_S3_") and name not in {"CIVICLOOP_STORAGE", "PYTEST_XDIST_WORKER"}
            }
            | {
                "CIVICLOOP_DEBUG": "1",
                "DATABASE_URL": self.database_url,
                "CIVICLOOP_MEDIA_ROOT": str(self.media),
                "CIVICLOOP_VAR_DIR": str(self.var_dir),
                "CIVICLOOP_AUDIT_KEY": AUDIT_KEY,
            }
            | dict(self.storage)
        )
        command = [sys.executable, str(settings.BASE_DIR / "manage.py"), *map(str, args)]
        return subprocess.run(command, env=environment, capture_output=True, text=True, check=False, timeout=300)  # noqa: S603

    def execute(self, sql: str) -> None:
        """Change the restored database behind the app's back, as someone with its password could."""
        if self.database_url.startswith("sqlite"):
            with sqlite3.connect(self.database_url.removeprefix("sqlite:///")) as db:
                db.execute(sql)
        else:
            with psycopg.connect(self.database_url.replace("postgres://", "postgresql://", 1)) as db:
                db.execute(sql)

    def table_count(self) -> int:
        sql = {
            "sqlite": "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'",
            "postgres": "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'",
        }
        if self.database_url.startswith("sqlite"):
            with sqlite3.connect(self.database_url.removeprefix("sqlite:///")) as db:
                return int(db.execute(sql["sqlite"]).fetchone()[0])
        with psycopg.connect(self.database_url.replace("postgres://", "postgresql://", 1)) as db:
            row = db.execute(sql["postgres"]).fetchone()
            return int(row[0]) if row else 0


@pytest.fixture
def target(tmp_path: Path) -> Iterator[Target]:
    """An empty database beside the test's: a SQLite file, or a new PostgreSQL database (dropped after)."""
    media, var_dir = tmp_path / "restored-media", tmp_path / "restored-var"
    if connection.vendor == "sqlite":
        yield Target(f"sqlite:///{tmp_path / 'restored.sqlite3'}", media, var_dir)
        return
    source = connection.settings_dict
    server = {"host": source["HOST"], "port": source["PORT"] or 5432, "user": source["USER"]}
    server["password"] = source["PASSWORD"] or None
    name = f"civicloop_restore_{uuid.uuid4().hex[:12]}"
    password = f":{quote(source['PASSWORD'], safe='')}" if source["PASSWORD"] else ""
    url = f"postgres://{quote(server['user'])}{password}@{server['host']}:{server['port']}/{name}"
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield Target(url, media, var_dir)
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def site(settings: Any, demo_signing: Path, sodai_gomi: Procedure, resident: User) -> Application:
    """A resident's submitted application with a photo attached, its case opened (audit entries on the way)."""
    settings.AUDIT_KEY = AUDIT_KEY
    draft = application_actions.start_application(procedure=sodai_gomi, user=resident)
    draft.answers = copy.deepcopy(VALID_SODAI_GOMI)
    draft.save(update_fields=["answers"])
    upload = SimpleUploadedFile("sofa.png", tiny_png())
    application_actions.add_attachment(application=draft, kind="item_photo", upload=upload)
    return application_actions.submit_application(application=draft, submission_key="backup-test")


@pytest.fixture
def decided_site(site: Application, clerk: User) -> IssuedDocument:
    """…and a clerk claimed the case and issued its signed decision notice."""
    case = Case.objects.get(application=site)
    claim_case(case=case, clerk=clerk)
    with transaction.atomic():
        return issue_document(case, kind="decision_notice", issued_by=clerk, outcome="approve")


def back_up(folder: Path) -> dict[str, Any]:
    call_command("backup_site", "--to", str(folder))
    manifest: dict[str, Any] = json.loads((folder / "manifest.json").read_text())
    return manifest


def differences(done: subprocess.CompletedProcess[str]) -> list[str]:
    return [line.removeprefix("  - ") for line in done.stderr.splitlines() if line.startswith("  - ")]


def test_a_restored_copy_matches_its_backup_and_verify_names_each_change(
    decided_site: IssuedDocument, target: Target, tmp_path: Path
) -> None:
    # given a backup of a site with an attachment, a case, a signed document and audit entries
    attachment = Attachment.objects.get()
    manifest = back_up(tmp_path / "backup")
    assert manifest["files"] == {
        attachment.file.name: {"size": attachment.size, "sha256": attachment.sha256},
        decided_site.file.name: {"size": decided_site.size, "sha256": decided_site.sha256},
    }
    assert manifest["tables"]["documents_issueddocument"] == 1
    assert manifest["tables"]["cases_case"] == 1
    audit_count = AuditEntry.objects.count()
    newest = AuditEntry.objects.order_by("seq").last()
    assert newest is not None and audit_count >= 3
    assert manifest["audit"] == {"count": audit_count, "head_seq": newest.seq, "head_hash": newest.hash}
    # when it is restored into an empty database and media folder
    restored = target.manage("restore_site", "--from", tmp_path / "backup")
    assert restored.returncode == 0, restored.stderr
    verified = target.manage("verify_restore", "--manifest", tmp_path / "backup" / "manifest.json")
    # then the copy holds every row, every file byte for byte, and the whole audit chain
    assert verified.returncode == 0, verified.stderr
    assert f"audit chain intact with {audit_count} entries" in verified.stdout
    photo = target.media / str(attachment.file.name)
    assert photo.read_bytes() == tiny_png()
    # and when one file, one row and one audit entry of the copy are changed, verify names those three
    photo.write_bytes(b"\x00" + photo.read_bytes()[1:])
    target.execute("DELETE FROM applications_statuschange WHERE id = (SELECT MIN(id) FROM applications_statuschange)")
    first = AuditEntry.objects.order_by("seq").values_list("seq", flat=True).first()
    target.execute(f"UPDATE core_auditentry SET actor = 'someone-else' WHERE seq = {first}")  # noqa: S608
    tampered = target.manage("verify_restore", "--manifest", tmp_path / "backup" / "manifest.json")
    assert tampered.returncode == 6
    size, digest = len(tiny_png()), attachment.sha256[:12]
    assert differences(tampered) == [
        f"table applications_statuschange: {manifest['tables']['applications_statuschange']} rows in the backup, "
        f"{manifest['tables']['applications_statuschange'] - 1} here",
        f"file {attachment.file.name}: content differs (backup {size} bytes, sha256 {digest}…; "
        f"here {size} bytes, sha256 {hashlib.sha256(photo.read_bytes()).hexdigest()[:12]}…)",
        f"audit chain: broken at entry {first}: its content does not match its hash (changed)",
    ]


@pytest.fixture
def bucket(demo_signing: Path, s3_storage: S3Bucket) -> S3Bucket:
    """The site's files in a bucket (moto's S3 server) rather than demo_signing's folder."""
    return s3_storage


def test_files_in_a_bucket_are_restored_into_another_bucket(
    bucket: S3Bucket, site: Application, target: Target, tmp_path: Path
) -> None:
    # given a backup of a site whose files are in a bucket
    manifest = back_up(tmp_path / "backup")
    assert sorted(manifest["files"]) == bucket.keys() == [Attachment.objects.get().file.name]
    # when it is restored into a second, empty bucket
    second = f"{bucket.name}-restored"
    bucket.client.create_bucket(Bucket=second, CreateBucketConfiguration={"LocationConstraint": "ap-northeast-1"})
    in_bucket = replace(target, storage=storage_environment(bucket.endpoint_url, second))
    restored = in_bucket.manage("restore_site", "--from", tmp_path / "backup", "--verify")
    # then it holds the same objects, and verify notices one going missing
    assert restored.returncode == 0, restored.stderr
    name = manifest["files"].popitem()[0]
    assert bucket.client.get_object(Bucket=second, Key=name)["Body"].read() == tiny_png()
    bucket.client.delete_object(Bucket=second, Key=name)
    verified = in_bucket.manage("verify_restore", "--manifest", tmp_path / "backup")
    assert verified.returncode == 6
    assert differences(verified) == [f"file {name}: missing"]


def test_restore_refuses_a_site_that_is_not_empty_unless_forced(
    site: Application, target: Target, tmp_path: Path
) -> None:
    back_up(tmp_path / "backup")
    assert target.manage("restore_site", "--from", tmp_path / "backup").returncode == 0
    again = target.manage("restore_site", "--from", tmp_path / "backup")
    assert again.returncode == 3
    assert "already has" in again.stderr and "--force" in again.stderr
    forced = target.manage("restore_site", "--from", tmp_path / "backup", "--force", "--verify")
    assert forced.returncode == 0, forced.stderr
    assert "the site matches the backup" in forced.stdout


def test_restore_refuses_a_backup_made_by_newer_code_and_writes_nothing(
    site: Application, target: Target, tmp_path: Path
) -> None:
    manifest = back_up(tmp_path / "backup")
    manifest["migrations"]["cases"] = ["9999_from_a_newer_release"]
    (tmp_path / "backup" / "manifest.json").write_text(json.dumps(manifest))
    refused = target.manage("restore_site", "--from", tmp_path / "backup")
    assert refused.returncode == 4
    assert "cases.9999_from_a_newer_release" in refused.stderr
    assert target.table_count() == 0
    assert not target.media.exists()


def test_restore_refuses_a_damaged_backup_and_writes_nothing(site: Application, target: Target, tmp_path: Path) -> None:
    back_up(tmp_path / "backup")
    name = str(Attachment.objects.get().file.name)
    (tmp_path / "backup" / "files" / name).write_bytes(b"not the photo")
    refused = target.manage("restore_site", "--from", tmp_path / "backup")
    assert refused.returncode == 5
    assert f"files/{name}: differs from the manifest" in refused.stderr
    assert target.table_count() == 0


def test_backup_refuses_a_folder_that_is_not_empty(site: Application, tmp_path: Path) -> None:
    (tmp_path / "backup").mkdir()
    (tmp_path / "backup" / "last-week.txt").write_text("")
    with pytest.raises(CommandError, match="is not empty"):
        call_command("backup_site", "--to", str(tmp_path / "backup"))


def test_backup_says_clearly_when_pg_dump_is_missing(
    site: Application, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump backs up PostgreSQL only")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(CommandError, match="pg_dump was not found on PATH"):
        call_command("backup_site", "--to", str(tmp_path / "backup"))
