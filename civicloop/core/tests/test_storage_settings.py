# SPDX-License-Identifier: MPL-2.0
"""CIVICLOOP_STORAGE and CIVICLOOP_S3_*: what config/settings.py makes of them, and what stops the start."""

import os
import runpy
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured

from civicloop.core.storage import PrivateS3Storage

S3 = {
    "CIVICLOOP_STORAGE": "s3",
    "CIVICLOOP_S3_BUCKET": "civicloop-files",
    "CIVICLOOP_S3_REGION": "ap-northeast-1",
}


@pytest.fixture
def read_storage(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """STORAGES["default"] of config/settings.py read afresh with only the given storage variables."""

    def read(**env: str) -> dict[str, Any]:
        for name in list(os.environ):
            if name == "CIVICLOOP_STORAGE" or name.startswith(("CIVICLOOP_S3_", "AWS_")):
                monkeypatch.delenv(name)
        monkeypatch.setenv("CIVICLOOP_DEBUG", "1")
        monkeypatch.setenv("CIVICLOOP_VAR_DIR", str(tmp_path))
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        values = runpy.run_path(str(django_settings.BASE_DIR / "config" / "settings.py"), run_name="storage_settings")
        default: dict[str, Any] = values["STORAGES"]["default"]
        return default

    return read


def test_files_stay_on_the_file_system_by_default(read_storage: Any, tmp_path: Path) -> None:
    assert read_storage() == {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": tmp_path / "media"},
    }
    assert read_storage(CIVICLOOP_STORAGE="filesystem")["OPTIONS"]["location"] == tmp_path / "media"


def test_s3_objects_are_private_never_overwritten_and_use_the_standard_credential_chain(read_storage: Any) -> None:
    storage = read_storage(**S3)
    options = storage["OPTIONS"]
    assert storage["BACKEND"] == "civicloop.core.storage.PrivateS3Storage"
    assert options["bucket_name"] == "civicloop-files"
    assert options["region_name"] == "ap-northeast-1"
    assert options["endpoint_url"] is None
    assert options["default_acl"] == "private"
    assert options["file_overwrite"] is False
    assert options["object_parameters"] == {}
    assert "access_key" not in options and "secret_key" not in options  # boto's own chain finds them


def test_an_s3_compatible_service_with_its_own_keys_and_kms_encryption(read_storage: Any) -> None:
    options = read_storage(
        **S3,
        CIVICLOOP_S3_ENDPOINT_URL="https://s3.storage.city.example:9000",
        CIVICLOOP_S3_ACCESS_KEY_ID="AKIAEXAMPLE",
        CIVICLOOP_S3_SECRET_ACCESS_KEY="not-a-real-secret",
        CIVICLOOP_S3_SSE="aws:kms",
        CIVICLOOP_S3_SSE_KMS_KEY_ID="alias/civicloop-files",
        CIVICLOOP_S3_ADDRESSING_STYLE="path",
        CIVICLOOP_S3_ACL="",
    )["OPTIONS"]
    assert options["endpoint_url"] == "https://s3.storage.city.example:9000"
    assert (options["access_key"], options["secret_key"]) == ("AKIAEXAMPLE", "not-a-real-secret")
    assert options["object_parameters"] == {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": "alias/civicloop-files"}
    assert options["client_config"].s3 == {"addressing_style": "path"}
    assert options["default_acl"] is None  # a bucket with ACLs disabled refuses a "private" ACL


def test_the_storage_built_from_them_refuses_to_make_urls(read_storage: Any) -> None:
    storage = PrivateS3Storage(**read_storage(**S3)["OPTIONS"])
    with pytest.raises(RuntimeError, match="never by URL"):
        storage.url("attachments/x")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CIVICLOOP_STORAGE": "S3"}, "use filesystem or s3"),
        ({"CIVICLOOP_STORAGE": "minio"}, "use filesystem or s3"),
        ({"CIVICLOOP_S3_BUCKET": "civicloop-files"}, "CIVICLOOP_S3_BUCKET set, but CIVICLOOP_STORAGE is not s3"),
        ({**S3, "CIVICLOOP_S3_BUCKET": ""}, "CIVICLOOP_S3_BUCKET must be set"),
        ({**S3, "CIVICLOOP_S3_BUCKET": "Civicloop_Files"}, "is not a bucket name"),
        ({**S3, "CIVICLOOP_S3_BUCKET": "s3://civicloop-files"}, "is not a bucket name"),
        ({**S3, "CIVICLOOP_S3_REGION": "Tokyo"}, "is not a region name"),
        ({**S3, "CIVICLOOP_S3_ENDPOINT_URL": "s3.city.example"}, "must be http"),
        ({**S3, "CIVICLOOP_S3_ENDPOINT_URL": "https://s3.city.example/civicloop-files"}, "without a path"),
        ({**S3, "CIVICLOOP_S3_ACCESS_KEY_ID": "AKIAEXAMPLE"}, "go together"),
        ({**S3, "CIVICLOOP_S3_SECRET_ACCESS_KEY": "not-a-real-secret"}, "go together"),
        ({**S3, "CIVICLOOP_S3_SSE": "aes256"}, "CIVICLOOP_S3_SSE='aes256': use one of"),
        ({**S3, "CIVICLOOP_S3_SSE_KMS_KEY_ID": "alias/x"}, "needs CIVICLOOP_S3_SSE=aws:kms"),
        ({**S3, "CIVICLOOP_S3_ACL": "public-read"}, "CIVICLOOP_S3_ACL='public-read': use one of"),
        ({**S3, "CIVICLOOP_S3_ADDRESSING_STYLE": "dns"}, "CIVICLOOP_S3_ADDRESSING_STYLE='dns'"),
    ],
)
def test_a_malformed_value_stops_the_start(read_storage: Any, env: dict[str, str], message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message.replace("(", r"\(")):
        read_storage(**env)


def test_no_error_repeats_a_secret(read_storage: Any) -> None:
    with pytest.raises(ImproperlyConfigured) as lone_secret:
        read_storage(**S3, CIVICLOOP_S3_SECRET_ACCESS_KEY="wJalrXUtnFEMI-secret")
    with pytest.raises(ImproperlyConfigured) as key_in_url:
        read_storage(**S3, CIVICLOOP_S3_ENDPOINT_URL="https://AKIA:wJalrXUtnFEMI-secret@s3.city.example")
    assert "wJalrXUtnFEMI" not in str(lone_secret.value) + str(key_in_url.value)
