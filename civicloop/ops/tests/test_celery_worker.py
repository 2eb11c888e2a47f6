# SPDX-License-Identifier: MPL-2.0
"""A real `celery -A config worker` against the local Redis drains work the test puts in the database.

Redis database 14 on 127.0.0.1:6379 is this test's broker (flushed before and after); the worker
and the test share a SQLite file in the test's own folder. Skipped when Redis does not answer
(.ci/run starts it).
"""

import os
import re
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from celery import Celery
from django.conf import settings

from civicloop.testing import redis_server

BROKER = "redis://127.0.0.1:6379/14"
CELERY = str(Path(sys.executable).with_name("celery"))

SEED = """
from django.db import transaction
from civicloop.core import events
from civicloop.notifications.actions import notify
from civicloop.testing.factories import ResidentFactory
context = {"procedure": {"ja": "粗大ごみ収集申込", "en": "Bulky waste"}, "receipt_number": "2026-7KQ4-M9XD",
           "application_url": "http://127.0.0.1:8000/applications/x/"}
with transaction.atomic():
    resident = ResidentFactory.create()
    for n in range(1200):
        events.record("thing.happened", subject=f"thing/{n}", data={})
    for n in range(30):
        notify(resident, "application.received", context, subject=f"application/{n}", dedupe_key=f"k{n}")
"""


pytestmark = pytest.mark.skipif(not redis_server.answers(BROKER), reason=redis_server.NOT_RUNNING)


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "CIVICLOOP_DEBUG": "1",
        "CIVICLOOP_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CIVICLOOP_CELERY_BROKER_URL": BROKER,
        "CIVICLOOP_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "CIVICLOOP_EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "CIVICLOOP_REDIS_URL": "",
    }
    manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
    for command in (["migrate", "-v0"], ["shell", "-c", SEED]):
        subprocess.run([*manage, *command], env=env, check=True, cwd=settings.BASE_DIR, timeout=120)  # noqa: S603 - our own manage.py
    return env


@pytest.fixture
def broker() -> Iterator[Celery]:
    redis.Redis.from_url(BROKER).flushdb()
    client = Celery("test-client", broker=BROKER, set_as_current=False)
    client.conf.task_serializer = "json"
    yield client
    client.close()
    redis.Redis.from_url(BROKER).flushdb()


def _backlog(database: Path) -> tuple[int, int]:
    """Events some consumer has not applied yet (or not yet numbered), and notices not sent."""
    with sqlite3.connect(database) as db:
        (head,) = db.execute("SELECT COALESCE(MAX(position), 0) FROM core_event").fetchone()
        (unnumbered,) = db.execute("SELECT COUNT(*) FROM core_event WHERE position IS NULL").fetchone()
        cursors = [p for (p,) in db.execute("SELECT position FROM relay_consumercursor")]
        # A notice sent once is `sent` after one attempt (the portal's own copies need none).
        (unsent,) = db.execute(
            "SELECT COUNT(*) FROM notifications_message WHERE status != 'sent' OR (channel != 'portal' AND attempts != 1)"
        ).fetchone()
    behind = unnumbered + sum(head - position for position in cursors) if cursors else unnumbered + head
    return behind, unsent


def _mails_written(folder: Path) -> Counter[str]:
    """How many e-mails went out for each notice (its public id is in a header of every mail).

    Django's file backend may append several mails to one file (its names repeat within a second).
    """
    header = re.compile(r"^X-Civicloop-Notice: (\S+)$", re.MULTILINE)
    return Counter(notice for path in folder.iterdir() for notice in header.findall(path.read_text()))


def test_a_celery_worker_drains_the_events_and_notices_it_is_sent(
    environment: dict[str, str], broker: Celery, tmp_path: Path
) -> None:
    # given: a backlog in the database, and a worker with two processes
    database = tmp_path / "db.sqlite3"
    assert _backlog(database) != (0, 0)
    worker = subprocess.Popen(  # noqa: S603 - the venv's celery, fixed arguments
        [CELERY, "-A", "config", "worker", "--concurrency", "2", "--loglevel", "WARNING", "--without-mingle"],
        env=environment,
        cwd=settings.BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # when: the ticks beat would send, sent through Redis
        deadline = time.monotonic() + 90
        while _backlog(database) != (0, 0) and time.monotonic() < deadline:
            for name in ("relay", "notifications"):
                broker.send_task(f"civicloop.worker.{name}", queue=f"civicloop-{settings.LG_CODE}")
            time.sleep(1)
        # then
        assert _backlog(database) == (0, 0)
        sent = _mails_written(tmp_path / "mail")
        assert len(sent) == 30 and set(sent.values()) == {1}
    finally:
        broker.control.purge()  # the ticks still queued: a warm shutdown need not wait for them
        worker.terminate()
        # generous: on a loaded CI machine the warm shutdown of two processes took over 30 s
        _out, errors = worker.communicate(timeout=180)
    assert worker.returncode == 0, errors[-2000:]
