# SPDX-License-Identifier: MPL-2.0
"""`manage.py serve_demo [addr:port]`: the development server, ending its start-up with the demo block.

It is daphne's `runserver` (ASGI: pages, static files and the chat's websockets in one process,
with the in-memory channel layer), so `make run` needs nothing else installed.

`make run` starts it. Django's own banner ("Starting development server at …" and the warning)
gives way to the block from `civicloop.demo.summary`, printed the moment the server listens, so
the last thing on the screen says where to go and how to sign in. After a code change the
auto-reloader restarts the server; it then prints one line, not the whole block again.
"""

import os
from typing import Any
from urllib.parse import urlsplit

from daphne.management.commands.runserver import Command as RunserverCommand
from daphne.server import Server
from django.conf import settings
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV

from civicloop.demo.summary import summary_block


class Command(RunserverCommand):  # type: ignore[misc]  # daphne is untyped
    help = "Start the development server and, once it listens, print the demo's URL and sign-ins (make run)."
    addr: str  # set by runserver's handle() from the addr:port argument
    port: str

    def inner_run(self, *args: Any, **options: Any) -> None:
        # Daphne's runserver has no on_bind; its server calls `ready_callable` once it listens.
        command = self

        class AnnouncingServer(Server):  # type: ignore[misc]  # daphne is untyped
            def __init__(self, *server_args: Any, **server_kwargs: Any) -> None:
                server_kwargs["ready_callable"] = lambda: command.on_bind(int(command.port))
                super().__init__(*server_args, **server_kwargs)

        self.server_cls = AnnouncingServer
        super().inner_run(*args, **options)

    def on_bind(self, server_port: int) -> None:
        for warning in site_url_mismatch(settings.SITE_URL, self.addr, server_port):
            self.stderr.write(warning)
        if is_restart():
            self.stdout.write(f"civicloop: restarted after a code change, {settings.SITE_URL}/")
            return
        self.stdout.write(summary_block(settings.SITE_URL))


def site_url_mismatch(site_url: str, addr: str, port: int) -> list[str]:
    """Why sign-in will fail: the demo provider and every link live at SITE_URL, not where we listen."""
    site = urlsplit(site_url)
    if site.port == port or (site.port is None and port == {"http": 80, "https": 443}.get(site.scheme)):
        return []
    return [
        f"CIVICLOOP_SITE_URL is {site_url}, but this server listens on {addr}:{port}: resident sign-in "
        f"(the demo identity provider at {site_url}/demo-idp) and links in e-mail will not reach it. "
        f"Start it with `PORT={port} make run`, or set CIVICLOOP_SITE_URL."
    ]


def is_restart() -> bool:
    """True when the auto-reloader restarts the server it started before (the block was shown then).

    Each restart is a new child process of the same reloader, and the reloader gives it the
    environment it had at the start, so nothing can be passed down; a small file naming the
    reloader's process id remembers that the block was printed. Without the reloader (--noreload)
    there is no restart.
    """
    if os.environ.get(DJANGO_AUTORELOAD_ENV) != "true":
        return False
    marker = settings.VAR_DIR / "serve_demo.reloader-pid"
    reloader = str(os.getppid())
    if marker.exists() and marker.read_text().strip() == reloader:
        return True
    marker.write_text(reloader)
    return False
