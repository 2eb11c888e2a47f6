# SPDX-License-Identifier: MPL-2.0
"""Where a chat post's time goes: `POST /staff/chat/<id>/messages/` in-process, its SQL and a profile.

    .venv/bin/python bench/profile_chat_post.py [--posts 300] [--top 35] [--sort cumulative]

Creates a PostgreSQL database of its own (`civicloop_bench_chat_profile`), sets up staff and a
department channel as bench/chat.py does, then posts through Django's test client (the whole
middleware stack, session, CSRF) the way the page's fetch does: CPU (`time.process_time`, this
process only) and wall time per post, medians; the SQL of one post; a cProfile of CPU time.
The channel layer is the in-memory one (no socket listens): the announcement's cost is the
broadcast's serialisation, not Redis. Prints; writes nothing.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import chat, profiling, services  # noqa: E402

DB_NAME = "civicloop_bench_chat_profile"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--sort", default="cumulative", choices=["tottime", "cumulative"])
    opts = parser.parse_args()

    services.ensure_postgres()
    services.recreate_database(DB_NAME)
    env = services.bench_env(Path(tempfile.mkdtemp(prefix="civicloop-chat-profile-")), services.database_url(DB_NAME))
    channel, sessions = chat.prepare_site(20, env)  # django.setup() happens here

    from django.test import Client

    csrf = secrets.token_hex(16)
    client = Client(enforce_csrf_checks=True)
    client.cookies["sessionid"] = sessions[1]
    client.cookies["csrftoken"] = csrf
    url = f"/staff/chat/{channel}/messages/"
    counter = iter(range(10**9))

    def post() -> None:
        response = client.post(
            url, {"body": f"bench {next(counter)}"}, headers={"X-CSRFToken": csrf, "X-Requested-With": "fetch"}
        )
        assert response.status_code == 201, (response.status_code, response.content[:300])

    for _ in range(30):
        post()
    figures = profiling.medians(post, opts.posts)
    print(f"\n== per post (medians of {opts.posts}), load average {os.getloadavg()}")
    print(f"  cpu {figures['cpu_ms']:6.2f} ms   wall {figures['wall_ms']:6.2f} ms")
    profiling.print_sql(post, "one post", width=170)
    profiling.cpu_profile(post, opts.posts, sort=opts.sort, top=opts.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
