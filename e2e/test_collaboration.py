# SPDX-License-Identifier: MPL-2.0
"""Staff chat in real browsers over a real websocket (issue 14, "Done means").

pytest-django's live server speaks WSGI only, so these tests run the ASGI application (pages,
static files and the chat's websockets) in daphne, in a thread of the test process: the same
server `make run` starts. With SQLite's shared in-memory test database the server's threads see
what the test writes.
"""

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.core.management import call_command

from e2e.test_back_office import staff_member, staff_sign_in

expect = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is missing").expect

if TYPE_CHECKING:
    from e2e.conftest import Resident

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def asgi_server() -> Iterator[str]:
    """daphne serving config's HTTP handler and the chat's websockets, once per test process."""
    from channels.routing import ProtocolTypeRouter
    from daphne.server import Server
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
    from django.core.asgi import get_asgi_application

    from civicloop.collab.routing import websocket_application

    application = ProtocolTypeRouter(
        {"http": ASGIStaticFilesHandler(get_asgi_application()), "websocket": websocket_application}
    )
    port = _free_port()
    ready = threading.Event()
    server = Server(
        application=application,
        endpoints=[f"tcp:port={port}:interface=127.0.0.1"],
        signal_handlers=False,
        ready_callable=ready.set,
        verbosity=0,
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    assert ready.wait(30), "daphne did not start"
    yield f"http://127.0.0.1:{port}"
    from twisted.internet import reactor

    reactor.callFromThread(reactor.stop)  # type: ignore[attr-defined]
    thread.join(10)


@pytest.fixture
def chat_site(transactional_db: None, asgi_server: str, settings: Any) -> str:
    settings.SITE_URL = asgi_server
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    call_command("load_catalog", verbosity=0)
    return asgi_server


def _person(browser: Any, base_url: str, screenshot_dir: Path, prefix: str, *, language: str = "ja") -> "Resident":
    from e2e.conftest import AXE_JS, AXE_URL_PATH, DESKTOP, Resident

    context = browser.new_context(viewport=DESKTOP, locale="ja-JP", timezone_id="Asia/Tokyo", base_url=base_url)
    context.set_default_timeout(15_000)
    source = AXE_JS.read_bytes()
    context.route(
        f"{base_url}{AXE_URL_PATH}",
        lambda route: route.fulfill(status=200, body=source, content_type="text/javascript"),
    )
    who = Resident(page=context.new_page(), base_url=base_url, screenshot_dir=screenshot_dir, prefix=prefix)
    who.page.on("pageerror", lambda exc: who.console_errors.append(f"uncaught {exc}"))
    return who


def _case_with_channel() -> tuple[str, str, str]:
    """A submitted 粗大ごみ case of 清掃リサイクル課 with its chat channel: (case id, channel id, receipt)."""
    from django.contrib.auth import get_user_model

    from civicloop.classification.policy import NO_CONTEXT
    from civicloop.collab import actions
    from civicloop.testing.factories import CaseFactory

    case = CaseFactory.create()
    opener = get_user_model().objects.get(username="chat-clerk-a")
    channel = actions.open_case_channel(case=case, opened_by=opener, context=NO_CONTEXT)
    return str(case.public_id), str(channel.public_id), str(case.application.receipt_number)


def test_a_message_in_a_case_channel_reaches_a_second_clerk_live_and_an_outsider_gets_nothing(
    browser: Any, chat_site: str, screenshot_dir: Path
) -> None:
    # given two clerks of the case's department and one of another department, each signed in
    from civicloop.accounts.models import Department, User

    for username in ("chat-clerk-a", "chat-clerk-b", "chat-outsider"):
        staff_member(username, "clerk")
    outsider = User.objects.get(username="chat-outsider")
    outsider.departments.set(Department.objects.filter(code="kosodate_kyufu"))
    case_id, channel_id, receipt = _case_with_channel()
    alice = _person(browser, chat_site, screenshot_dir, "chat-a-")
    bob = _person(browser, chat_site, screenshot_dir, "chat-b-")
    eve = _person(browser, chat_site, screenshot_dir, "chat-x-")
    for who, username in ((alice, "chat-clerk-a"), (bob, "chat-clerk-b"), (eve, "chat-outsider")):
        staff_sign_in(who, username)

    # when both clerks open the case's channel (from the case page) and Alice posts
    alice.goto(f"/staff/cases/{case_id}/")
    alice.page.get_by_role("link", name="チャンネルを開く", exact=False).click()
    bob.goto(f"/staff/chat/{channel_id}/")
    expect(bob.page.locator("[data-chat]")).to_have_attribute("data-live", "websocket")
    expect(alice.page.locator("[data-chat]")).to_have_attribute("data-live", "websocket")
    alice.checkpoint("case channel")
    alice.page.fill("#chat-body", "@chat-clerk-b 申請者に電話しました。明日回収します。")
    sent_at = time.monotonic()
    alice.page.get_by_role("button", name="送信する").click()

    # then Bob sees it without reloading, within a second or two
    expect(bob.page.locator(".chat-message__body").last).to_have_text(
        "@chat-clerk-b 申請者に電話しました。明日回収します。", timeout=5_000
    )
    print(f"\nchat: delivered to the second clerk in {1000 * (time.monotonic() - sent_at):.0f} ms (websocket)")
    bob.checkpoint("message arrived")
    expect(alice.page.locator(".chat-message__body")).to_have_count(1)  # the sender's own echo is not doubled

    # and the outsider sees no such channel, and gets 404 for its page and its messages by URL and API
    eve.goto("/staff/chat/")
    expect(eve.page.locator("body")).not_to_contain_text(receipt)
    eve.checkpoint("outsider's channel list")
    for path in (f"/staff/chat/{channel_id}/", f"/staff/chat/{channel_id}/messages.json?after=0"):
        response = eve.page.request.get(chat_site + path)
        assert response.status == 404, (path, response.status)
        assert "申請者に電話" not in response.text()
    refused = eve.page.evaluate(
        """(url) => new Promise((resolve) => {
            const ws = new WebSocket(url);
            ws.onmessage = () => resolve("message");
            ws.onopen = () => setTimeout(() => resolve("open"), 500);
            ws.onclose = () => resolve("closed");
        })""",
        chat_site.replace("http", "ws") + f"/ws/chat/{channel_id}/?after=0",
    )
    assert refused == "closed"
    for who in (alice, bob, eve):
        who.assert_clean()


# Co-edited documents (civicloop.authoring). Unlike the chat test above, this one runs the site as
# `make run` does, in its own process (daphne's runserver, config.asgi, a SQLite file), because the
# server must be stopped and started again in the middle: what survives is only what was stored.

COEDIT_SETUP = """
import json
from django.test import Client
from civicloop.accounts.models import Department, User
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.authoring import actions
from civicloop.authoring.models import Document
from civicloop.classification.policy import NO_CONTEXT
from civicloop.testing.factories import StaffFactory
people = [StaffFactory.create(username=name, full_name=name) for name in ("doc-a", "doc-b", "doc-c")]
document = actions.create_document(
    title="第4回定例会 一般質問 答弁書（案）", kind=Document.Kind.ANSWER, classification="OFFICIAL",
    department=Department.objects.get(code="seiso"), created_by=people[0], context=NO_CONTEXT,
)
sessions = [sign_in_with_mfa(Client(), person).cookies["sessionid"].value for person in people]
print(json.dumps({"document": str(document.public_id), "sessions": sessions}))
"""


class _Site:
    """civicloop in a child process on a SQLite file, which can be stopped and started again."""

    def __init__(self, folder: Path) -> None:
        import os
        import sys

        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.python = sys.executable
        self.env = {
            **os.environ,
            "CIVICLOOP_DEBUG": "1",
            "CIVICLOOP_VAR_DIR": str(folder),
            "DATABASE_URL": f"sqlite:///{folder / 'coedit.sqlite3'}",
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
        for name in ("CIVICLOOP_DEMO", "CIVICLOOP_CHANNEL_LAYER_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"):
            self.env.pop(name, None)
        self.process: Any = None

    def manage(self, *args: str) -> str:
        import subprocess

        done = subprocess.run(
            [self.python, "manage.py", *args], env=self.env, capture_output=True, text=True, timeout=300, check=False
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    def start(self) -> None:
        import subprocess
        import urllib.request

        self.process = subprocess.Popen(
            [self.python, "manage.py", "runserver", f"127.0.0.1:{self.port}", "--noreload"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=2):  # noqa: S310  # our own child, http
                    return
            except OSError:
                time.sleep(0.2)
        raise AssertionError("the site did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(20)


def _editor(browser: Any, site: _Site, session: str, screenshot_dir: Path, prefix: str) -> "Resident":
    who = _person(browser, site.base_url, screenshot_dir, prefix)
    who.page.context.add_cookies([{"name": "sessionid", "value": session, "url": site.base_url}])

    # A Content-Security-Policy refusal (an inline style, eval) shows up as a console error.
    def on_console(message: Any) -> None:
        if message.type == "error":
            who.console_errors.append(message.text)

    who.page.on("console", on_console)
    return who


def _open_document(who: "Resident", document: str) -> Any:
    who.goto(f"/staff/documents/{document}/")
    editor = who.page.locator("[data-authoring-editor]")
    expect(editor).to_have_attribute("data-state", "synced")
    return who.page.locator(".ProseMirror")


def test_two_people_edit_one_document_at_once_and_the_text_survives_a_restart(
    browser: Any, screenshot_dir: Path, tmp_path: Path
) -> None:
    # given the site running on its own database, a 答弁書 draft and three signed-in clerks of its department
    site = _Site(tmp_path)
    site.manage("migrate", "--noinput", "-v0")
    site.manage("load_catalog", "-v0")
    import json

    facts = json.loads(site.manage("shell", "-c", COEDIT_SETUP).strip().splitlines()[-1])
    document, sessions = facts["document"], facts["sessions"]
    site.start()
    try:
        alice = _editor(browser, site, sessions[0], screenshot_dir, "coedit-a-")
        bob = _editor(browser, site, sessions[1], screenshot_dir, "coedit-b-")
        alice_text, bob_text = _open_document(alice, document), _open_document(bob, document)

        # when both type at once, each sees the other's typing within a second
        alice_text.click()
        alice.page.keyboard.type("一 ごみ収集体制の見直しについてお答えします。")
        started = time.monotonic()
        expect(bob_text).to_contain_text("ごみ収集体制の見直し", timeout=1_000)
        a_to_b = time.monotonic() - started
        # Bob writes after the whole first line, as a person would once it has arrived on his screen.
        expect(bob_text).to_contain_text("一 ごみ収集体制の見直しについてお答えします。", timeout=5_000)
        bob_text.click()
        bob.page.keyboard.press("Control+End")
        bob.page.keyboard.press("Enter")
        bob.page.keyboard.type("二 資源回収は来年度から月二回とします。")
        alice.page.keyboard.type("（清掃リサイクル課）")
        started = time.monotonic()
        expect(alice_text).to_contain_text("資源回収は来年度から月二回", timeout=1_000)
        b_to_a = time.monotonic() - started
        expect(bob_text).to_contain_text("（清掃リサイクル課）", timeout=1_000)
        print(f"\nco-editing: typing seen by the other in {1000 * a_to_b:.0f} ms and {1000 * b_to_a:.0f} ms")
        expect(alice_text).to_have_text(bob_text.inner_text(), use_inner_text=True)
        alice.checkpoint("two editors")
        alice.assert_clean()
        bob.assert_clean()
        final = alice_text.inner_text()
        alice.page.context.close()
        bob.page.context.close()

        # then, with both gone and the server restarted, a third person opens it and the text is intact
        site.stop()
        site.start()
        carol = _editor(browser, site, sessions[2], screenshot_dir, "coedit-c-")
        carol_text = _open_document(carol, document)
        expect(carol_text).to_have_text(final, use_inner_text=True)
        assert "ごみ収集体制の見直しについてお答えします。（清掃リサイクル課）" in final
        assert "二 資源回収は来年度から月二回とします。" in final
        carol.checkpoint("after a restart")
        carol.assert_clean()
    finally:
        site.stop()


def _select(who: "Resident", words: str) -> None:
    """Select `words` in the editor as a mouse would (a DOM range; ProseMirror follows selectionchange)."""
    who.page.evaluate(
        """(words) => {
            const walker = document.createTreeWalker(document.querySelector(".ProseMirror"), NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                const at = node.data.indexOf(words);
                if (at < 0) continue;
                const range = document.createRange();
                range.setStart(node, at);
                range.setEnd(node, at + words.length);
                const selection = window.getSelection();
                selection.removeAllRanges();
                selection.addRange(range);
                return;
            }
            throw new Error("not found: " + words);
        }""",
        words,
    )


def test_two_people_see_each_other_comment_on_words_that_stay_put_and_settle_a_suggestion(
    browser: Any, screenshot_dir: Path, tmp_path: Path
) -> None:
    # given the site, a 答弁書 draft and two clerks of its department in the editor
    site = _Site(tmp_path)
    site.manage("migrate", "--noinput", "-v0")
    site.manage("load_catalog", "-v0")
    import json

    facts = json.loads(site.manage("shell", "-c", COEDIT_SETUP).strip().splitlines()[-1])
    document, sessions = facts["document"], facts["sessions"]
    site.start()
    try:
        alice = _editor(browser, site, sessions[0], screenshot_dir, "comments-a-")
        bob = _editor(browser, site, sessions[1], screenshot_dir, "comments-b-")
        alice_text, bob_text = _open_document(alice, document), _open_document(bob, document)

        # then each sees the other present, by the name the server knows
        expect(alice.page.locator("[data-presence-list] li")).to_have_text(["doc-a", "doc-b"])
        expect(bob.page.locator("[data-presence-list] li")).to_have_text(["doc-b", "doc-a"])

        # when Alice writes and comments on two words of it
        alice_text.click()
        alice.page.keyboard.type("収集は週一回とする。")
        expect(bob_text).to_contain_text("収集は週一回とする。")
        _select(alice, "週一回")
        alice.page.fill("#comment-body", "回数の根拠となる条例を明記してください。")
        alice.page.locator("[data-comment-form] [type=submit]").click()

        # then Bob gets the comment live, on the same words, and Alice sees Bob's caret when he types
        expect(bob.page.locator(".authoring-thread__quote")).to_have_text("週一回")
        expect(bob.page.locator(".authoring-comment-anchor")).to_have_text("週一回")
        bob_text.click(position={"x": 18, "y": 22})  # at the start of the first line
        bob.page.keyboard.type("原則として、")
        expect(alice_text).to_contain_text("原則として、")
        assert alice_text.inner_text().index("原則として、") < alice_text.inner_text().index("週一回")
        # the words typed before them did not move the comment off them
        expect(alice.page.locator(".authoring-comment-anchor")).to_have_text("週一回")
        expect(alice.page.locator(".authoring-caret")).to_have_attribute("data-name", "doc-b")
        alice.checkpoint("comment and a colleague's caret")

        # when Bob suggests words in suggest mode, Alice sees them marked and accepts them
        bob.page.locator("[data-suggest-toggle]").click()
        bob_text.click()  # below the text: the caret goes to its end
        bob.page.keyboard.type("（令和9年度から）")
        expect(alice_text.locator("ins.authoring-suggestion--insert")).to_have_text("（令和9年度から）")
        expect(alice.page.locator("[data-suggestion-item]")).to_contain_text("（令和9年度から）")
        bob.checkpoint("suggestion")
        alice.page.locator("[data-suggestion-item] [data-action=accept]").click()
        expect(bob_text.locator("ins.authoring-suggestion")).to_have_count(0)
        expect(bob_text).to_contain_text("とする。（令和9年度から）")

        # and Bob replies to the comment and Alice resolves the thread
        bob.page.locator("[data-reply-body]").fill("条例第12条を追記します。")
        bob.page.locator("[data-action=reply]").click()
        expect(alice.page.locator(".authoring-comment__body").last).to_have_text("条例第12条を追記します。")
        alice.page.locator("[data-action=resolve]").click()
        expect(bob.page.locator(".authoring-thread--resolved")).to_have_count(1)
        expect(bob.page.locator(".authoring-comment-anchor")).to_have_count(0)
        alice.checkpoint("resolved")

        # and when Bob leaves, Alice sees only herself
        bob.page.context.close()
        expect(alice.page.locator("[data-presence-list] li")).to_have_text(["doc-a"])
        alice.assert_clean()
        assert bob.console_errors == []
    finally:
        site.stop()
