# SPDX-License-Identifier: MPL-2.0
"""Browser-test fixtures: Debian's chromium driven by Playwright against pytest-django's live server.

Every page a test looks at goes through `Resident.checkpoint()`, which runs axe-core on it and
takes a screenshot at phone and desktop widths (e2e/screenshots/, not committed).
"""

import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from django.core.management import call_command
from django.db import connections

E2E_DIR = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")
AXE_JS = E2E_DIR / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = E2E_DIR / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}
WIDTHS = {"phone": PHONE, "desktop": DESKTOP}
# axe impacts that fail a test; "moderate" and "minor" are printed but tolerated.
FAILING_IMPACTS = {"serious", "critical"}
# axe-core is injected as <script src> from this same-origin path, answered by Playwright from
# node_modules (the app never sees the request). add_script_tag(path=...) would inline the script,
# which the app's Content-Security-Policy (script-src 'self') rightly blocks, and bypass_csp would
# hide real CSP breakage; this way the tests run under the CSP residents get.
AXE_URL_PATH = "/__e2e__/axe.min.js"


def _missing() -> str:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium fonts-noto-cjk, or `make system-deps`)"
    if not AXE_JS.exists():
        return f"{AXE_JS.relative_to(E2E_DIR.parent)} is missing (cd e2e && npm install)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is missing (pip install -r requirements-dev.txt)"
    return ""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = _missing()
    if not reason:
        return
    skip = pytest.mark.skip(reason=f"browser tests skipped: {reason}")
    for item in items:
        if E2E_DIR in Path(str(item.path)).parents:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in the test thread, so Django would refuse
    # the test thread's own database work (loading the catalogue, the flush after each test) as
    # "async unsafe". Nothing here is async; allow it only while the browser is up.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            # Never `playwright install`: Debian's chromium is the browser on these machines.
            browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def pytest_configure(config: pytest.Config) -> None:
    """Last run's screenshots go once, in the process that runs the session (not in each xdist worker).

    Under pytest-xdist two workers clearing the folder would delete each other's fresh screenshots;
    every file name starts with its test's name, so the workers never write the same file.
    """
    if not hasattr(config, "workerinput"):
        shutil.rmtree(SCREENSHOTS, ignore_errors=True)


T = TypeVar("T")


def off_the_browser_loop(work: Callable[[], T]) -> T:
    """Run product code that starts event loops of its own (pyHanko's signing, Channels' group_send)
    in a thread of its own: Playwright's sync API keeps an asyncio loop running in the test's thread."""

    def run() -> T:
        try:
            return work()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def site(transactional_db: None, live_server: Any, settings: Any) -> str:
    """The live server's URL, with the OIDC issuer pointing at its own demo provider and the catalogue loaded."""
    url = live_server.url
    settings.SITE_URL = url
    settings.OIDC_ISSUER = f"{url}/demo-idp"
    assert settings.DEMO_ENABLED, "the demo app must be installed: run the tests with CIVICLOOP_DEBUG=1"
    call_command("load_catalog", verbosity=0)
    return url


@dataclass
class Resident:
    """One browser session: navigation helpers plus the accessibility and screenshot checkpoints."""

    page: Any
    base_url: str
    screenshot_dir: Path
    prefix: str
    violations: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    checkpoints: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def goto(self, path: str) -> Any:
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.status < 400, f"GET {path} answered {response and response.status}"
        return response

    def axe(self, name: str) -> list[dict[str, Any]]:
        """Run axe-core on the page as it is now; record serious/critical violations, return them all."""
        self.page.wait_for_load_state("load")  # the page's deferred scripts have run
        if not self.page.evaluate("typeof window.axe !== 'undefined'"):
            self.page.add_script_tag(url=self.base_url + AXE_URL_PATH)
        results = self.page.evaluate(
            "async () => { const r = await axe.run(document, {resultTypes: ['violations']}); return r.violations; }"
        )
        for v in results:
            nodes = "; ".join(f"{' '.join(n['target'])} :: {n['html'][:160]}" for n in v["nodes"][:6])
            line = f"[{name}] {v['impact']} {v['id']}: {v['help']} ({len(v['nodes'])} node(s)) -> {nodes}"
            print("axe:", line)
            if v["impact"] in FAILING_IMPACTS:
                self.violations.append(line)
        return results

    def checkpoint(self, name: str) -> None:
        """axe-core and a full-page screenshot at phone and desktop widths, then back to the starting width."""
        self.checkpoints.append(name)
        start = self.page.viewport_size
        stem = f"{self.prefix}{len(self.checkpoints):02d}-{re.sub(r'[^a-z0-9-]+', '-', name.lower())}"
        for label, size in WIDTHS.items():
            self.page.set_viewport_size(size)
            self.axe(f"{name} @{label}")
            self.page.screenshot(path=str(self.screenshot_dir / f"{stem}-{label}.png"), full_page=True)
        self.page.set_viewport_size(start)

    def soft_check(self, ok: bool, problem: str) -> None:
        """A finding that should fail the test but not stop the journey (reported by assert_clean)."""
        if not ok:
            print("problem:", problem)
            self.problems.append(problem)

    def assert_clean(self) -> None:
        problems = (
            [f"{len(self.problems)} problem(s) on the way:\n  " + "\n  ".join(self.problems)] if self.problems else []
        )
        if self.violations:
            problems.append(
                f"{len(self.violations)} serious/critical axe violation(s):\n  " + "\n  ".join(self.violations)
            )
        if self.console_errors:
            problems.append("browser console errors:\n  " + "\n  ".join(self.console_errors))
        assert not problems, "\n".join(problems)


@pytest.fixture
def resident(browser: Any, site: str, screenshot_dir: Path, request: pytest.FixtureRequest) -> Iterator[Resident]:
    context = browser.new_context(viewport=PHONE, locale="ja-JP", timezone_id="Asia/Tokyo", base_url=site)
    context.set_default_timeout(15_000)
    axe_source = AXE_JS.read_bytes()
    context.route(
        f"{site}{AXE_URL_PATH}",
        lambda route: route.fulfill(status=200, body=axe_source, content_type="text/javascript"),
    )
    page = context.new_page()
    # Screenshot names start with the test's name; a test may set `resident.prefix` to something shorter.
    prefix = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower().removeprefix("test_")).strip("-") + "-"
    who = Resident(page=page, base_url=site, screenshot_dir=screenshot_dir, prefix=prefix)

    def on_console(message: Any) -> None:
        # A page answered 400 on purpose (a form with errors) logs "Failed to load resource" for
        # itself; failed sub-resources are caught by on_response instead.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            who.console_errors.append(f"{page.url}: {message.text}")

    def on_response(response: Any) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            who.console_errors.append(f"{page.url}: {response.request.method} {response.url} -> {response.status}")

    page.on("console", on_console)
    page.on("response", on_response)
    page.on("pageerror", lambda exc: who.console_errors.append(f"{page.url}: uncaught {exc}"))
    yield who
    if who.violations:
        (screenshot_dir / f"{who.prefix}axe.json").write_text(json.dumps(who.violations, ensure_ascii=False, indent=1))
    context.close()
