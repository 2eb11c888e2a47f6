# SPDX-License-Identifier: MPL-2.0
"""static/js/civicloop.js on a page that has everything it enhances at once.

The attachments page auto-uploads a chosen file; other pages guard their submit button against a
second click. A page with both must still send a chosen file exactly once (the handler was once
pasted three times, nested in the double-click guard, so it fired once per guarded button and again
after every submit).
"""

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from e2e.conftest import Resident

pytestmark = pytest.mark.e2e

PAGE_PATH = "/__e2e__/civicloop-js.html"
# Served by Playwright at the live server's origin, so /static/js/civicloop.js loads as on every page.
PAGE = """<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>civicloop.js</title>
<script src="/static/js/civicloop.js" defer></script>
<script src="/__e2e__/count-submits.js" defer></script></head><body><main>
<form id="other" action="/nowhere/"><button type="submit" data-prevent-double-click>送信</button></form>
<form id="another" action="/nowhere/"><button type="submit" data-prevent-double-click>送信</button></form>
<form class="upload-form" action="/nowhere/"><input type="file" id="file" name="file">
<button type="submit">アップロード</button></form>
</main></body></html>"""
# Counts submit events instead of leaving the page (added after civicloop.js, so it runs last).
COUNTER = """document.addEventListener("DOMContentLoaded", () => {
  window.submits = {};
  document.querySelectorAll("form").forEach((form) => form.addEventListener("submit", (event) => {
    event.preventDefault();
    const key = form.id || form.className;
    window.submits[key] = (window.submits[key] || 0) + 1;
  }));
});"""


def test_choosing_a_file_sends_its_form_once_even_beside_guarded_buttons(resident: "Resident", tmp_path: Path) -> None:
    page = resident.page
    page.context.route(resident.base_url + PAGE_PATH, lambda route: route.fulfill(body=PAGE, content_type="text/html"))
    page.context.route(
        resident.base_url + "/__e2e__/count-submits.js",
        lambda route: route.fulfill(body=COUNTER, content_type="text/javascript"),
    )
    upload = tmp_path / "通帳.png"
    upload.write_bytes(b"not looked at")
    page.goto(resident.base_url + PAGE_PATH)
    page.wait_for_function("window.submits !== undefined")

    # a guarded form is sent first: its button is disabled, and nothing else happens
    page.click("#other button")
    page.wait_for_function("document.querySelector('#other button').disabled")
    page.set_input_files("#file", str(upload))
    page.wait_for_timeout(200)

    assert page.evaluate("window.submits") == {"other": 1, "upload-form": 1}
    resident.assert_clean()
