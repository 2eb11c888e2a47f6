# SPDX-License-Identifier: MPL-2.0
"""A real S3 endpoint for tests: moto's server over HTTP on a free port, a fresh bucket per test.

The app talks to it exactly as to a production bucket (boto3 over HTTP, signed requests), through
the settings an operator would set: `s3_storage` sets the CIVICLOOP_S3_* variables and builds
STORAGES["default"] with `config.env.env_storage`. moto keeps the objects in this process's memory;
it is for tests and the demo only (operations.md, "Files (attachments)").

A pytest plugin (`-p civicloop.testing.s3_server` in pyproject.toml), so any test can ask for
`s3_storage` or `s3_endpoint`; boto3 and moto are imported only when a test does.
"""

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from config.env import env_storage

REGION = "ap-northeast-1"
# moto accepts any key pair; these only have to be the same on both sides.
ACCESS_KEY_ID = "civicloop-test-key"
SECRET_ACCESS_KEY = "civicloop-test-secret"  # noqa: S105 - a fake server's fake secret


@dataclass(frozen=True)
class S3Bucket:
    endpoint_url: str
    name: str
    client: Any  # a boto3 S3 client on the same endpoint, for looking behind the app's back

    def object(self, key: str) -> dict[str, Any]:
        """HEAD of one object (its size, encryption, …); raises botocore's ClientError when missing."""
        head: dict[str, Any] = self.client.head_object(Bucket=self.name, Key=key)
        return head

    def read(self, key: str) -> bytes:
        body: bytes = self.client.get_object(Bucket=self.name, Key=key)["Body"].read()
        return body

    def keys(self, prefix: str = "") -> list[str]:
        listing = self.client.list_objects_v2(Bucket=self.name, Prefix=prefix)
        return sorted(item["Key"] for item in listing.get("Contents", []))


def client_for(endpoint_url: str) -> Any:
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET_ACCESS_KEY,
    )


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server on 127.0.0.1 and a port the system picked, for the whole run (each xdist worker its own)."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request in every failure report
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def storage_environment(endpoint_url: str, bucket: str, **extra: str) -> dict[str, str]:
    """The variables an operator sets for this endpoint and bucket (configuration.md), plus `extra`."""
    return {
        "CIVICLOOP_STORAGE": "s3",
        "CIVICLOOP_S3_BUCKET": bucket,
        "CIVICLOOP_S3_ENDPOINT_URL": endpoint_url,
        "CIVICLOOP_S3_REGION": REGION,
        "CIVICLOOP_S3_ACCESS_KEY_ID": ACCESS_KEY_ID,
        "CIVICLOOP_S3_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
        **extra,
    }


def use_storage(settings: Any, monkeypatch: pytest.MonkeyPatch, environment: dict[str, str]) -> None:
    """Point STORAGES["default"] where these variables say, read as config/settings.py reads them."""
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    settings.STORAGES = {**settings.STORAGES, "default": env_storage(Path(settings.MEDIA_ROOT))}


@pytest.fixture
def s3_storage(s3_endpoint: str, settings: Any, monkeypatch: pytest.MonkeyPatch) -> S3Bucket:
    """A new, empty, versioned bucket, and STORAGES["default"] on it with server-side encryption."""
    bucket = S3Bucket(s3_endpoint, f"civicloop-test-{uuid.uuid4().hex[:20]}", client_for(s3_endpoint))
    bucket.client.create_bucket(Bucket=bucket.name, CreateBucketConfiguration={"LocationConstraint": REGION})
    bucket.client.put_bucket_versioning(Bucket=bucket.name, VersioningConfiguration={"Status": "Enabled"})
    use_storage(settings, monkeypatch, storage_environment(s3_endpoint, bucket.name, CIVICLOOP_S3_SSE="AES256"))
    return bucket
