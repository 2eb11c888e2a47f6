# SPDX-License-Identifier: MPL-2.0
"""Where attachments and signed PDFs are kept: the file system (the default) or an S3 bucket.

Code reads and writes files only through Django's storage API (`FieldFile.open/save/delete`,
`default_storage.save/delete/listdir/get_modified_time`), never through a path, so the same code
runs on both (operations.md, "Files (attachments)"). Which one is used is configuration
(`CIVICLOOP_STORAGE`, read by `config.env.env_storage`).
"""

from functools import cached_property
from typing import Any

from botocore.config import Config
from storages.backends.s3 import S3Storage

# One try, a second each way: a load balancer waits about two seconds for /readyz, and a probe that
# hangs on a dead endpoint would hold a web worker for as long as the retries of a real upload last.
_PROBE_CONFIG = Config(connect_timeout=1, read_timeout=1, retries={"mode": "standard", "total_max_attempts": 1})


class FilesAreNotServedByUrl(RuntimeError):
    """A stored file was asked for a URL: files are streamed by the app after an access check."""


class PrivateS3Storage(S3Storage):  # type: ignore[misc]  # django-storages has no type information
    """S3Storage that never hands out a URL, signed or not.

    Every attachment and document is streamed by a view after `classification.policy.decide` said
    yes (`attachment_download`, `documents.views.download`); a presigned URL would be a second way
    in that no policy check, audit or revocation reaches, and would work for anyone who got hold of
    it until it expired.
    """

    def url(self, name: str, parameters: Any = None, expire: Any = None, http_method: Any = None) -> str:
        raise FilesAreNotServedByUrl(f"{name}: stream it through an access-checked view, never by URL")

    @cached_property
    def for_probes(self) -> "PrivateS3Storage":
        """The same bucket with the same credentials, but one try and one-second timeouts (made once)."""
        clone: PrivateS3Storage = self.__class__(
            **{name: getattr(self, name) for name in self.get_default_settings()}
            | {"client_config": self.client_config.merge(_PROBE_CONFIG)}
        )
        return clone
