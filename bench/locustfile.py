# SPDX-License-Identifier: MPL-2.0
"""Residents and staff of one municipality at once: the users and tasks of bench/load_mix.py.

    .venv/bin/python bench/load_mix.py            # starts everything, runs locust, writes the report

Run by locust (`locust -f bench/locustfile.py`), never imported by the app. What each simulated
person may do comes from the fixtures file bench/load_mix.py writes before the run
(LOAD_MIX_FIXTURES): signed-in sessions minted for the bench (residents: a session through the
ORM; staff: the records a password and TOTP sign-in writes, on a managed office device), the
procedures, search words, the residents' own applications, the inbox views and case pages the
clerks open, and the open cases they take through the whole process.

The mix, and why (bench/README.md, "Load (mixed residents and staff)"):

- **Residents** are most of the people and almost all of the reading. A portal's visitors browse
  and search many pages for each application they send: per 100 resident requests, 14 home page,
  12 catalogue (all, or one department), 20 searches, 30 procedure pages, 12 "my
  applications" and 8 one application's status (people come back to check on what they sent)
  and 4 submissions (POST /api/applications with an Idempotency-Key; the same key is sent again
  now and then, as a client retrying after a lost answer does).
- **Staff** are few but each asks more of the server. Of 92 staff tasks: 45 the inbox, refreshed
  and filtered; 45 a case page; 2 a case taken through the whole process (claim, 起案, each rank's
  決裁, the case page after each POST): about one case decided for every 50 pages staff read.
- One staff user for every nine residents (`Resident.weight`, `Staff.weight`): a city office's
  few hundred clerks beside tens of thousands of residents visiting in a day, but each clerk
  working the back office all day while a resident comes for a few minutes.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import uuid
from pathlib import Path
from typing import Any

from locust import FastHttpUser, between, events, task
from locust.runners import WorkerRunner

FIXTURES: dict[str, Any] = json.loads(Path(os.environ["LOAD_MIX_FIXTURES"]).read_text())
# Think time between two requests of one simulated person, seconds (uniform 0..WAIT).
WAIT = float(os.environ.get("LOAD_MIX_WAIT", "1.0"))

# Open cases waiting at 受付, shared out so no two users ever take the same one: each locust
# process takes every n-th case from its own offset, and its users take them in turn.
_cases: Any = iter(())


@events.init.add_listener  # type: ignore[untyped-decorator]
def share_out_cases(environment: Any, **_kwargs: Any) -> None:
    global _cases
    runner = environment.runner
    index, count = (
        (runner.worker_index, FIXTURES["generator_processes"]) if isinstance(runner, WorkerRunner) else (0, 1)
    )
    _cases = iter(FIXTURES["cases_to_process"][index::count])


class Person(FastHttpUser):
    """A browser: its own cookies (sent as minted, never changed by the server's answers), no redirects followed."""

    abstract = True
    wait_time = between(0.0, WAIT)

    def on_start(self) -> None:
        # Cookies go in one Cookie header per request, as minted: a clerk switches identity within
        # a task, and a cookie the server sets (messages, the session again) must not pile up.
        self.client.client.cookiejar = None

    def fetch(self, method: str, path: str, name: str, cookie: str, *, expect: tuple[int, ...] = (200,),
              headers: dict[str, str] | None = None, **kwargs: Any) -> Any:  # fmt: skip
        sent = {"Cookie": cookie, **(headers or {})}
        with self.client.request(
            method, path, name=name, headers=sent, allow_redirects=False, catch_response=True, **kwargs
        ) as response:
            if response.status_code not in expect:
                where = response.headers.get("Location", "") if response.headers else ""
                response.failure(f"{response.status_code} {where}".strip())
            elif response.status_code == 302 and "/login/" in (response.headers.get("Location") or ""):
                response.failure("302 to the sign-in page")
            return response


class Resident(Person):
    """Browses and searches the catalogue, opens procedures, checks on and submits applications."""

    weight = 9

    def on_start(self) -> None:
        super().on_start()
        self.next_visit()

    def next_visit(self) -> None:
        """Another resident's visit: a few to a few dozen requests, then someone else.

        A resident comes for minutes, not for the whole run; one simulated user keeping one
        resident would also run into the production limit of 10 submissions an hour (429).
        """
        self.me = random.choice(FIXTURES["residents"])
        self.last_key = ""
        self.visit_left = random.randint(5, 40)

    def fetch(self, *args: Any, **kwargs: Any) -> Any:
        self.visit_left -= 1
        if self.visit_left < 0:
            self.next_visit()
        return super().fetch(*args, **kwargs)

    @task(14)
    def home(self) -> None:
        self.fetch("GET", "/", "GET /", self.me["cookie"])

    @task(12)
    def browse(self) -> None:
        path = random.choice(FIXTURES["browse_paths"])
        self.fetch("GET", path, "GET /procedures/ (browse)", self.me["cookie"])

    @task(20)
    def search(self) -> None:
        words = random.choice(FIXTURES["search_words"])
        self.fetch("GET", "/procedures/", "GET /procedures/?q=", self.me["cookie"], params={"q": words})

    @task(30)
    def procedure(self) -> None:
        code = random.choice(FIXTURES["procedures"])
        self.fetch("GET", f"/procedures/{code}/", "GET /procedures/<code>/", self.me["cookie"])

    @task(12)
    def my_applications(self) -> None:
        self.fetch("GET", "/applications/", "GET /applications/", self.me["cookie"])

    @task(8)
    def status(self) -> None:
        if not self.me["applications"]:
            return self.my_applications()
        public_id = random.choice(self.me["applications"])
        self.fetch("GET", f"/applications/{public_id}/", "GET /applications/<id>/", self.me["cookie"])

    @task(4)
    def submit(self) -> None:
        # One in ten is a retry of the last submission with the same key (200, the same receipt).
        retry = bool(self.last_key) and random.random() < 0.1
        key = self.last_key if retry else f"load-{uuid.uuid4()}"
        self.last_key = key
        headers = {"Idempotency-Key": key, "X-CSRFToken": self.me["csrf"], "Content-Type": "application/json"}
        name = "POST /api/applications (retry)" if retry else "POST /api/applications"
        self.fetch("POST", "/api/applications", name, self.me["cookie"], expect=(200,) if retry else (201,),
                   headers=headers, data=FIXTURES["submission_body"])  # fmt: skip


class Staff(Person):
    """A clerk's day: the inbox, case pages, and now and then a case from 受付 to the last 決裁."""

    weight = 1

    def on_start(self) -> None:
        super().on_start()
        self.desk = FIXTURES["staff"]
        self.clerk = random.choice(self.desk["clerks"])
        self.inbox_paths = itertools.cycle(random.sample(FIXTURES["inbox_paths"], len(FIXTURES["inbox_paths"])))

    def post(self, person: dict[str, str], path: str, name: str, data: dict[str, str]) -> Any:
        headers = {"X-CSRFToken": person["csrf"], "Content-Type": "application/x-www-form-urlencoded"}
        return self.fetch("POST", path, name, person["cookie"], expect=(302,), headers=headers, data=data)

    @task(45)
    def inbox(self) -> None:
        self.fetch("GET", next(self.inbox_paths), "GET /staff/inbox/", self.clerk["cookie"])

    @task(45)
    def case_page(self) -> None:
        self.fetch("GET", random.choice(FIXTURES["case_paths"]), "GET /staff/cases/<id>/", self.clerk["cookie"])

    @task(2)
    def process_case(self) -> None:
        """Claim an open case, draft the decision (起案), and have it approved at each rank (決裁)."""
        case = next(_cases, None)
        if case is None:  # the pool ran out: a long run; read instead
            return self.case_page()
        page = f"/staff/cases/{case['public_id']}/"
        clerk = self.desk["clerks"][case["clerk"]]
        self.post(clerk, page + "claim/", "POST /staff/cases/<id>/claim/", {})
        self.fetch("GET", page, "GET /staff/cases/<id>/", clerk["cookie"])
        self.post(clerk, page + "decision/", "POST /staff/cases/<id>/decision/", {"outcome": case["outcome"]})
        self.fetch("GET", page, "GET /staff/cases/<id>/", clerk["cookie"])
        for rank in case["route"]:
            approver = self.desk["approvers"][rank]
            self.post(approver, page + "approval/", "POST /staff/cases/<id>/approval/", {"decision": "approve"})
            self.fetch("GET", page, "GET /staff/cases/<id>/", approver["cookie"])
