# SPDX-License-Identifier: MPL-2.0
"""/readyz's storage check against a real S3 endpoint (moto's server): up, down, and a bucket that is gone."""

import socket
from typing import Any

import pytest
from django.test import Client

from civicloop.ops.readiness import STORAGE_MARKER
from civicloop.testing.s3_server import S3Bucket, storage_environment, use_storage

pytestmark = pytest.mark.django_db


def storage_check() -> tuple[int, dict[str, Any]]:
    response = Client().get("/readyz")
    return response.status_code, response.json()["checks"]["storage"]


def a_closed_port() -> int:
    """A port nothing listens on: bound for a moment by the system and released."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_the_first_probe_writes_a_marker_and_later_probes_only_look_it_up(s3_storage: S3Bucket) -> None:
    status, check = storage_check()
    assert (status, check["ok"], check["detail"]) == (200, True, "marker object written")
    assert s3_storage.keys() == [STORAGE_MARKER]
    status, check = storage_check()
    assert (status, check["ok"], check["detail"]) == (200, True, "marker object present")
    versions = s3_storage.client.list_object_versions(Bucket=s3_storage.name)["Versions"]
    assert len(versions) == 1  # a versioned bucket does not fill up with probes


def test_an_endpoint_that_is_down_makes_readyz_503(
    settings: Any, monkeypatch: pytest.MonkeyPatch, s3_storage: S3Bucket
) -> None:
    endpoint = f"http://127.0.0.1:{a_closed_port()}"
    use_storage(settings, monkeypatch, storage_environment(endpoint, s3_storage.name))
    status, check = storage_check()
    assert status == 503
    assert check == {
        "ok": False,
        "detail": "unavailable: EndpointConnectionError",
        "duration_ms": check["duration_ms"],
        "required": True,
    }
    assert "127.0.0.1" not in str(check)  # the answer is public: no host, no port


def test_a_bucket_that_does_not_exist_makes_readyz_503(
    settings: Any, monkeypatch: pytest.MonkeyPatch, s3_endpoint: str
) -> None:
    use_storage(settings, monkeypatch, storage_environment(s3_endpoint, "civicloop-no-such-bucket"))
    status, check = storage_check()
    assert status == 503
    assert check["ok"] is False
    assert check["detail"] == "unavailable: NoSuchBucket"


def test_a_bucket_that_refuses_the_key_makes_readyz_503(s3_storage: S3Bucket) -> None:
    # as a revoked key or a policy changed under the app would: moto's server enforces bucket policies
    s3_storage.client.put_bucket_policy(
        Bucket=s3_storage.name,
        Policy='{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*",'
        f' "Resource": ["arn:aws:s3:::{s3_storage.name}", "arn:aws:s3:::{s3_storage.name}/*"]}}]}}',
    )
    status, check = storage_check()
    assert (status, check["ok"], check["detail"]) == (503, False, "unavailable: ClientError")
