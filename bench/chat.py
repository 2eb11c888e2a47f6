# SPDX-License-Identifier: MPL-2.0
"""Staff chat delivery benchmark: writes bench/results/chat.json.

200 members of staff (by default) each hold a websocket on one department channel; messages are
posted at 50 per second for 60 seconds, each by one of them over HTTP, the way the page posts
(`POST /staff/chat/<id>/messages/`); every socket should receive every message. The figure is
the delivery latency from the moment the POST is sent to the moment each socket has the message
(p50, p99 over every delivery), and how many deliveries never arrived (`lost`).

The stack is the production one on this machine: uvicorn serving `config.asgi` as the `asgi` role
does (deploy/entrypoint.sh; bench/chat_asgi.py
adds the baseline socket) with the Redis channel layer (`CIVICLOOP_CHANNEL_LAYER_URL`), gunicorn
sync workers for the HTTP posts, PostgreSQL (a database of its own, recreated each run) and the
Redis cache and sessions. The baseline, measured in the same run on the same server and the same
sockets' count: the same number of messages per second published straight onto the channel layer
to a bench-only socket (no session, database or access check), the transport's floor.

The machine is shared with other sessions: the report keeps the load average and the CPU each
group of processes used (the ASGI server, gunicorn, PostgreSQL, Redis, this load generator, everything
else) during each phase, and the busiest other processes by name.

    .venv/bin/python bench/chat.py [--clients 200] [--rate 50] [--seconds 60] [--baseline-seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import uvloop

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import services  # noqa: E402
from bench.load import machine_busy, proc_cpu  # noqa: E402
from bench.report import RESULTS, cpu_model, load_average, now, version_of, write  # noqa: E402

log = services.log
DEFAULT_DB = os.environ.get("BENCH_CHAT_DB", "civicloop_bench_chat")
# Its own Redis database: the channel layer's keys never meet another session's `make run`.
DEFAULT_LAYER = os.environ.get("BENCH_CHANNEL_LAYER_URL", "redis://127.0.0.1:6379/6")
TARGET_P99_MS = 200.0


# --------------------------------------------------------------------------- the site


def prepare_site(clients: int, env: dict[str, str]) -> tuple[str, list[str]]:
    """Staff, their sessions (second factor passed) and one department channel: (channel id, session keys)."""
    services.manage(env, "migrate", "--no-input", "-v", "0")
    services.manage(env, "load_catalog", "-v", "0")
    services.setup_django(env)
    from django.test import Client

    from civicloop.accounts.models import Department, User
    from civicloop.accounts.testing import sign_in_with_mfa
    from civicloop.collab.actions import open_department_channel

    department = Department.objects.get(code="seiso")
    users = []
    for n in range(clients):
        user = User.objects.create_user(username=f"chat-{n:03d}", kind=User.Kind.STAFF, full_name=f"職員 {n:03d}")
        user.departments.add(department)
        users.append(user)
    channel = open_department_channel(department=department, name="清掃リサイクル課", opened_by=users[0])
    sessions = [sign_in_with_mfa(Client(), user).cookies["sessionid"].value for user in users]
    return str(channel.public_id), sessions


# The `asgi` role's command (deploy/entrypoint.sh), on this bench's port and with the baseline socket.
ASGI_COMMAND = ["--ws", "websockets-sansio", "--http", "httptools", "--loop", "uvloop", "--no-access-log"]


def start_asgi(env: dict[str, str], port: int, log_dir: Path) -> subprocess.Popen[bytes]:
    cmd = [str(services.BIN / "uvicorn"), "--host", "127.0.0.1", "--port", str(port), *ASGI_COMMAND]
    cmd += ["--log-level", "warning", "bench.chat_asgi:application"]
    proc: subprocess.Popen[bytes] = services.popen_logged(cmd, cwd=ROOT, env=env, log_path=log_dir / "asgi.log")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {proc.returncode}: see {log_dir / 'asgi.log'}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("uvicorn did not listen in time")


# --------------------------------------------------------------------------- CPU per group


def _processes() -> dict[int, tuple[str, int, float]]:
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    raw = f.read()
                found[int(entry)] = (raw[raw.index("(") + 1 : raw.rindex(")")], int(raw.rsplit(")", 1)[1].split()[1]), proc_cpu(int(entry)))  # fmt: skip
            except (OSError, ValueError):
                continue
    return found


class CpuWatch:
    """Cores used per group of processes between `start` and `stop`, and the busiest others by name."""

    def __init__(self, asgi: int, gunicorn: int) -> None:
        self.roots = {"asgi": asgi, "gunicorn": gunicorn, "load_generator": os.getpid()}

    def _group(self, pid: int, comm: str, table: dict[int, tuple[str, int, float]]) -> str:
        seen = pid
        for _ in range(4):  # the process or its parents up to a few levels
            for name, root in self.roots.items():
                if seen == root:
                    return name
            seen = table.get(seen, ("", 0, 0.0))[1]
        if comm == "postgres":
            return "postgres"
        return "redis" if comm.startswith("redis-server") else "other"

    def start(self) -> None:
        self.before, self.busy0, self.wall0 = _processes(), machine_busy(), time.monotonic()

    def stop(self) -> dict[str, Any]:
        after, (busy1, total1), wall = _processes(), machine_busy(), time.monotonic() - self.wall0
        cores: dict[str, float] = {}
        others: dict[str, float] = {}
        for pid, (comm, _ppid, cpu) in after.items():
            used = (cpu - self.before.get(pid, (comm, 0, 0.0))[2]) / wall
            group = self._group(pid, comm, after)
            cores[group] = cores.get(group, 0.0) + used
            if group == "other":
                others[comm] = others.get(comm, 0.0) + used
        busy = (os.cpu_count() or 1) * (busy1 - self.busy0[0]) / max(1, total1 - self.busy0[1])
        # Everything else the machine did, processes that came and went included (others' tests).
        cores["other"] = max(0.0, busy - sum(v for k, v in cores.items() if k != "other"))
        busiest = sorted(others.items(), key=lambda kv: -kv[1])[:6]
        return {
            "cores_used": {k: round(v, 2) for k, v in sorted(cores.items())},
            "machine_busy_pct": round(100 * busy / (os.cpu_count() or 1), 1),
            # by name, among those still running at the end (short-lived ones are only in cores_used.other)
            "busiest_other_processes": {name: round(v, 2) for name, v in busiest if v >= 0.01},
            "load_average_after": load_average(),
        }


# --------------------------------------------------------------------------- the load


class Deliveries:
    """When each message was sent and when each socket received it."""

    def __init__(self, messages: int, clients: int) -> None:
        self.sent_at: list[float | None] = [None] * messages
        self.received = [0] * messages
        self.latencies_ms: list[float] = []
        self.fanout_ms: list[float] = []  # from the message row's created_at (in the transaction) to the socket
        self.clients = clients
        self.posted = 0  # messages the server accepted (201): each should reach every socket
        self.closed_sockets = 0  # closed by the server while the bench still listened
        self.listening = True

    def got(self, text: str, at: float, wall: float) -> None:
        # The body says which message ("bench <n>"); a real payload is parsed, as a browser would.
        message = json.loads(text).get("message", {})
        body = message.get("body", "")
        if not body.startswith("bench "):
            return
        n = int(body.split()[1])
        sent = self.sent_at[n]
        if sent is not None:
            self.received[n] += 1
            self.latencies_ms.append((at - sent) * 1000)
            self.fanout_ms.append((wall - dt.datetime.fromisoformat(message["created_at"]).timestamp()) * 1000)

    @property
    def expected(self) -> int:
        return self.posted * self.clients

    @property
    def delivered(self) -> int:
        return sum(self.received)


async def _listen(ws: Any, deliveries: Deliveries) -> None:
    import aiohttp

    async for frame in ws:
        if frame.type == aiohttp.WSMsgType.TEXT:
            deliveries.got(frame.data, time.monotonic(), time.time())
        elif frame.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
            break
    if deliveries.listening:
        deliveries.closed_sockets += 1


async def _open_sockets(http: Any, url: str, origin: str, sessions: list[str]) -> list[Any]:
    sockets = []
    for session in sessions:  # one at a time: 200 handshakes at once would measure the handshake
        headers = {"Origin": origin, **({"Cookie": f"sessionid={session}"} if session else {})}
        sockets.append(await http.ws_connect(url, headers=headers, heartbeat=None, max_msg_size=0))
    return sockets


async def _paced(
    rate: float, seconds: float, send_one: Callable[[int], Coroutine[Any, Any, float | None]]
) -> list[float]:
    """Call `send_one(n)` at `rate` per second for `seconds` without waiting for the previous one."""
    total = int(rate * seconds)
    start = time.monotonic()
    tasks: list[asyncio.Task[float | None]] = []
    for n in range(total):
        delay = start + n / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send_one(n)))
    return [t for t in await asyncio.gather(*tasks) if t is not None]


async def _drain(deliveries: Deliveries, limit_s: float) -> None:
    deadline = time.monotonic() + limit_s
    while deliveries.delivered < deliveries.expected and time.monotonic() < deadline:
        await asyncio.sleep(0.2)


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def _figures(deliveries: Deliveries, posts_ms: list[float], rate: float, seconds: float) -> dict[str, Any]:
    return {
        "messages": len(deliveries.sent_at),
        "messages_accepted": deliveries.posted,
        "deliveries_expected": deliveries.expected,
        "deliveries": deliveries.delivered,
        "lost": deliveries.expected - deliveries.delivered,
        "p50_ms": _percentile(deliveries.latencies_ms, 0.50),
        "p90_ms": _percentile(deliveries.latencies_ms, 0.90),
        "p99_ms": _percentile(deliveries.latencies_ms, 0.99),
        "max_ms": round(max(deliveries.latencies_ms), 1) if deliveries.latencies_ms else None,
        "fanout_p50_ms": _percentile(deliveries.fanout_ms, 0.50),
        "fanout_p99_ms": _percentile(deliveries.fanout_ms, 0.99),
        "post_p50_ms": _percentile(posts_ms, 0.50),
        "post_p99_ms": _percentile(posts_ms, 0.99),
        "sockets_closed_by_server": deliveries.closed_sockets,
        "messages_per_s": rate,
        "seconds": seconds,
    }


async def chat_phase(opts: argparse.Namespace, ws_base: str, http_base: str, channel: str, sessions: list[str],
                     watch: CpuWatch) -> dict[str, Any]:  # fmt: skip
    import aiohttp

    messages = int(opts.rate * opts.seconds)
    deliveries = Deliveries(messages, len(sessions))
    csrf = secrets.token_hex(16)  # a cookie and header pair, as the page's fetch sends them
    posters = sessions[: opts.senders]
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=120, connect=60)  # a post still waiting is late, not lost
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        sockets = await _open_sockets(http, f"{ws_base}/ws/chat/{channel}/?after=0", http_base, sessions)
        listeners = [asyncio.create_task(_listen(ws, deliveries)) for ws in sockets]
        url = f"{http_base}/staff/chat/{channel}/messages/"
        failures: list[str] = []

        async def post(n: int) -> float | None:
            headers = {
                "Cookie": f"sessionid={posters[n % len(posters)]}; csrftoken={csrf}",
                "X-CSRFToken": csrf,
                "X-Requested-With": "fetch",
            }
            sent = deliveries.sent_at[n] = time.monotonic()
            try:
                async with http.post(url, data={"body": f"bench {n}"}, headers=headers) as response:
                    await response.read()
                    status = str(response.status)
            except (aiohttp.ClientError, TimeoutError) as exc:
                status = exc.__class__.__name__
            if status != "201":
                # Not posted (or not known to be): its deliveries are not expected, the failure is reported.
                deliveries.sent_at[n] = None
                failures.append(status)
                return None
            deliveries.posted += 1
            return (time.monotonic() - sent) * 1000

        watch.start()
        posts_ms = await _paced(opts.rate, opts.seconds, post)
        await _drain(deliveries, 20)
        cpu = watch.stop()
        deliveries.listening = False
        for ws in sockets:
            await ws.close()
        await asyncio.gather(*listeners, return_exceptions=True)
    failed = {status: failures.count(status) for status in sorted(set(failures))}
    return {**_figures(deliveries, posts_ms, opts.rate, opts.seconds), "post_failures": failed, **cpu}


async def baseline_phase(opts: argparse.Namespace, ws_base: str, clients: int,
                         watch: CpuWatch) -> dict[str, Any]:  # fmt: skip
    import aiohttp
    from channels.layers import get_channel_layer

    from bench.chat_asgi import BASELINE_GROUP
    from civicloop.collab import fanout

    layer: Any = get_channel_layer()  # the site's layer (settings.CHANNEL_LAYERS), as the posts use
    messages = int(opts.rate * opts.baseline_seconds)
    deliveries = Deliveries(messages, clients)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        sockets = await _open_sockets(http, f"{ws_base}/ws/bench/baseline/", ws_base.replace("ws", "http", 1), [""] * clients)  # fmt: skip
        listeners = [asyncio.create_task(_listen(ws, deliveries)) for ws in sockets]

        async def publish(n: int) -> float | None:
            deliveries.sent_at[n] = time.monotonic()
            stamp = dt.datetime.now(dt.UTC).isoformat()
            text = json.dumps(
                {"type": "message", "message": {**SAMPLE_PAYLOAD, "body": f"bench {n}", "created_at": stamp}}
            )
            announced = {"type": fanout.MESSAGE_TYPE, "group": BASELINE_GROUP, "seq": n + 1, "frame": text}
            await layer.group_send(BASELINE_GROUP, announced)
            deliveries.posted += 1
            return None

        watch.start()
        await _paced(opts.rate, opts.baseline_seconds, publish)
        await _drain(deliveries, 20)
        cpu = watch.stop()
        deliveries.listening = False
        for ws in sockets:
            await ws.close()
        await asyncio.gather(*listeners, return_exceptions=True)
    return {**_figures(deliveries, [], opts.rate, opts.baseline_seconds), **cpu}


# The shape (and about the size) of what a chat socket receives for one message (realtime.MessagePayload).
SAMPLE_PAYLOAD = {
    "id": 1, "seq": 1, "public_id": "6f1c2d9e-0000-4000-8000-000000000000", "parent": None, "author": "職員 000",
    "author_id": "6f1c2d9e-0000-4000-8000-000000000001", "created_at": "2026-12-06T07:00:00+00:00",
    "time": "2026-12-06 16:00", "edited": False, "deleted": False, "pinned": False, "replies": 0, "reactions": {},
}  # fmt: skip


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--rate", type=float, default=50.0, help="messages per second")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--baseline-seconds", type=float, default=20.0)
    parser.add_argument("--senders", type=int, default=10, help="how many of the clients post")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers for the posts")
    parser.add_argument("--db", default=DEFAULT_DB)
    parser.add_argument("--out", type=Path, default=RESULTS / "chat.json")
    opts = parser.parse_args()

    services.ensure_postgres()
    pg_info = services.recreate_database(opts.db)
    var_dir = Path(tempfile.mkdtemp(prefix="civicloop-bench-chat-"))
    env = services.bench_env(var_dir, services.database_url(opts.db))
    env["CIVICLOOP_CHANNEL_LAYER_URL"] = DEFAULT_LAYER
    import redis

    redis.Redis.from_url(DEFAULT_LAYER).flushdb()  # the bench's own layer database: last run's leftovers
    log(f"preparing {opts.clients} staff, their sessions and a channel in {opts.db}")
    channel, sessions = prepare_site(opts.clients, env)
    from django.conf import settings

    layer_backend = str(settings.CHANNEL_LAYERS["default"]["BACKEND"])
    ws_port, http_port = services.free_port(), services.free_port()
    asgi = start_asgi(env, ws_port, var_dir)
    gunicorn = services.start_gunicorn(env, http_port, opts.workers, var_dir)
    try:
        services.wait_ready(f"http://127.0.0.1:{http_port}", gunicorn, timeout=180)  # a loaded machine starts slowly
        watch = CpuWatch(asgi.pid, gunicorn.pid)
        load_before = load_average()
        ws_base, http_base = f"ws://127.0.0.1:{ws_port}", f"http://127.0.0.1:{http_port}"
        log(f"chat: {opts.clients} sockets, {opts.rate}/s for {opts.seconds} s")
        chat = uvloop.run(chat_phase(opts, ws_base, http_base, channel, sessions, watch))
        log(f"chat: p50 {chat['p50_ms']} ms, p99 {chat['p99_ms']} ms, lost {chat['lost']}")
        log(f"baseline: {opts.clients} sockets, {opts.rate}/s for {opts.baseline_seconds} s")
        baseline = uvloop.run(baseline_phase(opts, ws_base, opts.clients, watch))
        log(f"baseline: p50 {baseline['p50_ms']} ms, p99 {baseline['p99_ms']} ms, lost {baseline['lost']}")
    finally:
        services.stop_gunicorn(gunicorn)
        asgi.terminate()
        asgi.wait(timeout=20)
    report = report_of(opts, chat, baseline, load_before, pg_info, layer_backend)
    write(opts.out, report)
    log(f"wrote {opts.out}")
    return 0


def report_of(opts: argparse.Namespace, chat: dict[str, Any], baseline: dict[str, Any], load_before: list[float],
              pg_info: dict[str, str], layer_backend: str) -> dict[str, Any]:  # fmt: skip
    p99 = chat["p99_ms"]
    return {
        "clients": opts.clients,
        "messages_per_s": opts.rate,
        "p50_ms": chat["p50_ms"],
        "p99_ms": p99,
        "lost": chat["lost"],
        "target": {"p99_ms": TARGET_P99_MS, "lost": 0},
        "meets_target": p99 is not None and p99 <= TARGET_P99_MS and chat["lost"] == 0,
        "chat": chat,
        "baseline": baseline,
        "baseline_is": "the same rate to the same number of sockets on the same server, published straight onto the "
        "Redis channel layer to a bench-only socket (bench/chat_asgi.py): no HTTP post, database, session or access check",
        "latency_is": "from just before the HTTP POST is sent to the moment each socket has the message, every socket "
        "(the author's included); the load generator is one asyncio process (aiohttp on uvloop, the loop the ASGI "
        "server runs on too) on the same machine",
        "fanout_is": "chat.fanout_p50_ms/p99_ms: from the message row's created_at (set inside the posting "
        "transaction, before commit) to each socket, wall clock of the same machine: the delivery without the wait "
        "for the HTTP post to be served",
        "lost_is": "deliveries of accepted messages (201) that had not arrived 20 s after the last post; posts that "
        "failed are counted in chat.post_failures, not here",
        "load_average_before": load_before,
        "shared_machine": "other sessions' work ran beside this bench: see each phase's cores_used.other, "
        "busiest_other_processes and the load averages",
        "server": f"{version_of([str(services.BIN / 'uvicorn'), '--version'])}, {' '.join(ASGI_COMMAND)} (one "
        "process, config.asgi via "
        f"bench/chat_asgi.py) for the websockets; gunicorn, {opts.workers} sync workers, for the posts; "
        "bench.settings (DEBUG off)",
        "channel_layer": f"{layer_backend} at {DEFAULT_LAYER}",
        "cache_and_sessions": services.redis_url(),
        "database": f"PostgreSQL {pg_info['server_version']} at 127.0.0.1:5432/{opts.db} "
        f"(synchronous_commit={pg_info['synchronous_commit']})",
        "senders": opts.senders,
        "machine": {"cores": os.cpu_count(), "cpu_model": cpu_model()},
        "date": now(),
        "command": ".venv/bin/python bench/chat.py " + " ".join(sys.argv[1:]),
    }


if __name__ == "__main__":
    sys.exit(main())
