# SPDX-License-Identifier: MPL-2.0
"""The registry of read paths the access matrix walks.

A read path is any way data leaves the system: the policy itself, a QuerySet scope, a page, an API
route, later an export, a dashboard, the event relay, a document download. Each entry says which
policy action the path asks for and how to tell, for one subject on one device, whether the path
revealed one object of the world. The matrix (test_access_matrix.py) runs every entry for every
role × clearance × tier × device posture and compares with the oracle.

To cover a new path, append one `ReadPath` to READ_PATHS (docs/classification.md, "The access
matrix"): give it the action it asks the policy for, `audience="staff"` if it serves staff only,
`device_from_request=False` if it does not pass the request's device posture to the policy (it
is then judged as an unknown device), and a `reveals(probe)` function.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse

from civicloop.accounts.models import User
from civicloop.applications.models import Application, Attachment
from civicloop.cases.models import Case
from civicloop.classification.policy import Action, Context, DeviceTrust, decide, visible_q
from civicloop.classification.tests.conftest import DEVICE_HEADER, CaseFile, content_of
from civicloop.classification.tests.oracle import Subject
from civicloop.classification.tests.procurement_file import procurement_of
from civicloop.payments.models import ReconciliationLine
from civicloop.procurement import ocds
from civicloop.procurement import rules as procurement_rules
from civicloop.procurement.access import bids_visible_to, tenders_visible_to


@dataclass
class Probe:
    """One subject on one device, looking at one case file."""

    subject: Subject
    user: User | None
    device: str
    file: CaseFile
    client: Client
    cache: dict[tuple[str, str, str], str] = field(default_factory=dict)

    @property
    def person(self) -> User | AnonymousUser:
        return self.user if self.user is not None else AnonymousUser()

    @property
    def context(self) -> Context:
        return Context(device_trust=DeviceTrust(self.device))

    def get(self, url: str) -> Any:
        return self.client.get(url, **{DEVICE_HEADER: self.device})

    def listing(self, path_name: str, url: str) -> str:
        """A list page's body, fetched once per subject and device (the world has all tiers in it)."""
        key = (path_name, self.subject.name, self.device)
        if key not in self.cache:
            self.cache[key] = self.get(url).content.decode(errors="replace")
        return self.cache[key]


@dataclass(frozen=True)
class ReadPath:
    name: str
    action: str
    reveals: Callable[[Probe], bool]
    # "anyone"; "staff": residents and visitors are turned away whatever the data; "recipient": only
    # the resident a notice was sent to; "nobody": the path must never reveal it (content in the admin);
    # "public": published to anyone at OFFICIAL, never above it (procurement notices, OCDS).
    audience: str = "anyone"
    device_from_request: bool = True


TARGETS: dict[str, Callable[[CaseFile], Any]] = {
    "application": lambda f: f.application,
    "case": lambda f: f.case,
    "attachment": lambda f: f.attachment,
}


def _decides(target: str, action: Action) -> Callable[[Probe], bool]:
    return lambda p: decide(p.person, action, TARGETS[target](p.file), p.context).allowed


def _scoped(model: type[Any], **fields: str) -> Callable[[Probe], bool]:
    def reveals(p: Probe) -> bool:
        q = visible_q(p.person, context=p.context, **fields)  # type: ignore[arg-type]
        target = {Application: p.file.application, Case: p.file.case, Attachment: p.file.attachment}[model]
        return bool(model.objects.filter(q).filter(pk=target.pk).exists())

    return reveals


def _receipt(f: CaseFile) -> list[str]:
    return [str(f.application.receipt_number), str(f.case.public_id)]


def _reference(f: CaseFile) -> list[str]:
    return [f.inquiry.reference_number]


def _notices(f: CaseFile) -> list[str]:
    return [str(f.notice.public_id), str(f.email_notice.public_id), str(f.case.public_id)]


def _body(response: Any) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return str(raw.decode(errors="replace"))


def _page(
    url_of: Callable[[CaseFile], str], names: Callable[[CaseFile], list[str]] = _receipt
) -> Callable[[Probe], bool]:
    """An object's page or file: revealed when it answers 200, or when a refusal still names it."""

    def reveals(p: Probe) -> bool:
        response = p.get(url_of(p.file))
        if response.status_code == 200:
            return True
        body = _body(response)
        return any(name in body for name in names(p.file))

    return reveals


def _payment_names(f: CaseFile) -> list[str]:
    return [*_receipt(f), str(f.payment.receipt_number if f.payment else "")]


def _reconciliation_url(f: CaseFile) -> str:
    line = ReconciliationLine.objects.filter(payment=f.payment).select_related("run").get()
    return reverse("payments:reconciliation-detail", args=[line.run.public_id])


def _listed_at(
    url_of: Callable[[CaseFile], str], names: Callable[[CaseFile], list[str]] = _receipt
) -> Callable[[Probe], bool]:
    """A page that lists several files (one URL for the whole world), fetched once per subject and device."""

    def reveals(p: Probe) -> bool:
        url = url_of(p.file)
        body = p.listing(url, url)
        return any(name in body for name in names(p.file))

    return reveals


def _listed(url: str, names: Callable[[CaseFile], list[str]] = _receipt) -> Callable[[Probe], bool]:
    def reveals(p: Probe) -> bool:
        body = p.listing(url, url)
        return any(name in body for name in names(p.file))

    return reveals


def _shows(
    url_of: Callable[[CaseFile], str], texts: Callable[[CaseFile], list[str]] = content_of
) -> Callable[[Probe], bool]:
    """A page that shows content: by default the file's (inquiry text and answer, a notice's title
    and body, a resident's e-mail address), whichever page it is."""

    def reveals(p: Probe) -> bool:
        url = url_of(p.file)
        body = p.listing(url, url)
        return any(text and text in body for text in texts(p.file))

    return reveals


def _personal_data(f: CaseFile) -> list[str]:
    """What the user admin must never show of the resident who owns the file."""
    owner = f.application.applicant
    assert owner is not None
    return [owner.email, owner.full_name, owner.address, "1980-04-01", "1980年4月1日"]


def _admin(path: str) -> Callable[[CaseFile], str]:
    """An admin URL for one object of the file: `path` names it, e.g. "intelligence/inquiry/{inquiry}"."""
    return lambda f: (
        "/admin/"
        + path.format(
            inquiry=f.inquiry.pk, notice=f.notice.pk, email_notice=f.email_notice.pk, owner=f.application.applicant_id
        )
    )


def _fixed(url: str) -> Callable[[CaseFile], str]:
    """The same URL whatever the file (a page that is not about one object)."""
    return lambda f: url


def case_and_resident_data(f: CaseFile) -> list[str]:
    """Everything of the file that names a case or a resident: numbers, public ids, content, personal data."""
    ids = [f.application.public_id, f.attachment.public_id, f.inquiry.public_id, f.notice.public_id]
    return [*_receipt(f), *_reference(f), *(str(i) for i in ids), *content_of(f), *_personal_data(f)]


# Procurement (civicloop/procurement/): the world's tender, bid, document and direct award of the
# case's department at the file's tier (procurement_file.py), asked about through procurement.rules,
# which hands staff to the one policy unchanged. Residents and visitors have no procurement records.


def _procurement(target: str) -> Callable[[Probe], Any]:
    return lambda p: getattr(procurement_of(p.file), target)


def _procurement_decides(target: str, action: Action) -> Callable[[Probe], bool]:
    return lambda p: procurement_rules.decide(p.person, action, _procurement(target)(p), p.context).allowed


def _procurement_scoped(visible_to: Callable[..., Any], target: str) -> Callable[[Probe], bool]:
    def reveals(p: Probe) -> bool:
        obj = _procurement(target)(p)
        return bool(visible_to(p.person, p.context).filter(pk=obj.pk).exists())

    return reveals


def _tender_names(f: CaseFile) -> list[str]:
    return procurement_of(f).tender_names()


def _tender_url(name: str) -> Callable[[CaseFile], str]:
    return lambda f: reverse(name, args=[procurement_of(f).tender.public_id])


def _tender_page_names_the_bidder(p: Probe) -> bool:
    """The tender's page lists who bid to whom may work the tender; the page itself asks for view."""
    url = _tender_url("procurement:staff-tender-detail")(p.file)
    return procurement_of(p.file).bidder in p.listing(url, url)


def _notice_url(f: CaseFile) -> str:
    return reverse("procurement-notices:detail", args=[ocds.ocid_for(procurement_of(f).tender)])


def _direct_award_names(f: CaseFile) -> list[str]:
    award = procurement_of(f).direct_award
    return [award.title, str(award.public_id)]


def _procurement_admin(path: str) -> Callable[[CaseFile], str]:
    """An admin URL of the file's tender or bid: `path` names it, e.g. "tender/{tender}/change/"."""
    return lambda f: (
        "/admin/procurement/" + path.format(tender=procurement_of(f).tender.pk, bid=procurement_of(f).bid.pk)
    )


APPLICATION_FIELDS = {
    "owner_field": "applicant",
    "department_field": "procedure_version__procedure__department__code",
    "guest_field": "guest_key",
}

READ_PATHS: list[ReadPath] = [
    *(
        ReadPath(f"policy.decide {target} {action}", str(action), _decides(target, action))
        for target in TARGETS
        for action in Action
    ),
    ReadPath("visible_q Application", "view", _scoped(Application, **APPLICATION_FIELDS)),
    ReadPath(
        "visible_q Case",
        "view",
        _scoped(
            Case,
            owner_field="application__applicant",
            department_field="department__code",
            guest_field="application__guest_key",
        ),
    ),
    ReadPath(
        "visible_q Attachment",
        "view",
        _scoped(Attachment, **{k: f"application__{v}" for k, v in APPLICATION_FIELDS.items()}),
    ),
    ReadPath(
        "HTML application detail",
        "view",
        _page(lambda f: reverse("applications:application-detail", args=[f.application.public_id])),
    ),
    ReadPath(
        "HTML attachment download",
        "download",
        _page(lambda f: reverse("applications:attachment-download", args=[f.attachment.public_id])),
    ),
    ReadPath(
        "HTML case detail",
        "view",
        _page(lambda f: reverse("cases:case-detail", args=[f.case.public_id])),
        audience="staff",
    ),
    ReadPath("HTML staff inbox", "view", _listed("/staff/inbox/"), audience="staff"),
    # Payments (civicloop/payments/views.py). The 領収書 downloads as the application does: the
    # resident who paid, and the department's staff reissuing it. The reconciliation report (staff
    # with its Django permission, which every member of staff in the matrix holds) lists every
    # file's payment as a difference, and names each case only to whom the policy shows it.
    ReadPath(
        "HTML payment receipt (領収書) download",
        "download",
        _page(lambda f: reverse("payments:receipt-download", args=[f.application.public_id]), _payment_names),
    ),
    ReadPath(
        "HTML reconciliation report names the case",
        "view",
        _listed_at(_reconciliation_url, _receipt),
        audience="staff",
    ),
    ReadPath(
        "HTML reconciliation runs show case or resident data",
        "view",
        _shows(_fixed("/staff/payments/reconciliation/"), case_and_resident_data),
        audience="nobody",
    ),
    # The API routes ask the policy with the request's device, and the one route for a single
    # object asks for the API action (the handling table's "API" row).
    ReadPath("API GET /api/applications/<id>", "api", _page(lambda f: f"/api/applications/{f.application.public_id}")),
    ReadPath("API GET /api/applications", "api", _listed("/api/applications")),
    # Every other list asks for its detail's action (and audits what the detail audits: test_list_audit.py).
    ReadPath("HTML my applications", "view", _listed("/applications/")),
    ReadPath("HTML my inquiries", "view", _listed("/inquiries/", _reference)),
    ReadPath(
        "HTML inquiry detail",
        "view",
        _page(lambda f: reverse("intelligence:inquiry-detail", args=[f.inquiry.public_id]), _reference),
    ),
    ReadPath(
        "API GET /api/inquiries/<id>", "api", _page(lambda f: f"/api/inquiries/{f.inquiry.public_id}", _reference)
    ),
    # Staff inquiry handling (intelligence/staff_views.py): the queue lists, with a line of each text.
    ReadPath("HTML staff inquiry queue", "view", _listed("/staff/inquiries/?status=all", _reference), audience="staff"),
    ReadPath(
        "HTML staff inquiry queue shows its text",
        "view",
        _shows(_fixed("/staff/inquiries/?status=all"), lambda f: [f.inquiry.text]),
        audience="staff",
    ),
    ReadPath(
        "HTML staff inquiry page",
        "view",
        _page(lambda f: reverse("intelligence:staff-inquiry-detail", args=[f.inquiry.public_id]), _reference),
        audience="staff",
    ),
    ReadPath("HTML notices inbox", "view", _listed("/notifications/", _notices), audience="recipient"),
    ReadPath(
        "HTML notice detail",
        "view",
        _page(lambda f: reverse("notifications:notice-detail", args=[f.notice.public_id]), _notices),
        audience="recipient",
    ),
    ReadPath("HTML dashboard drill-down", "view", _listed("/staff/dashboards/cases/"), audience="staff"),
    # The Django admin. Every member of staff in the matrix has is_staff and is a superuser
    # (test_access_matrix.py), so nothing but the policy stands between them and these pages:
    # administration shows what the policy lets them view, and never a notice's text or a
    # resident's personal data (classification.adminscope).
    ReadPath("admin inquiry list", "view", _listed("/admin/intelligence/inquiry/", _reference), audience="staff"),
    ReadPath(
        "admin inquiry page",
        "view",
        _page(_admin("intelligence/inquiry/{inquiry}/change/"), _reference),
        audience="staff",
    ),
    ReadPath(
        "admin inquiry history page",
        "view",
        _page(_admin("intelligence/inquiry/{inquiry}/history/"), _reference),
        audience="staff",
    ),
    ReadPath(
        "admin inquiry page shows its text",
        "view",
        _shows(_admin("intelligence/inquiry/{inquiry}/change/"), lambda f: [f.inquiry.text]),
        audience="staff",
    ),
    ReadPath("admin message list", "view", _listed("/admin/notifications/message/", _notices), audience="staff"),
    ReadPath(
        "admin message page",
        "view",
        _page(_admin("notifications/message/{notice}/change/"), _notices),
        audience="staff",
    ),
    ReadPath("admin inquiry list shows content", "view", _shows(_admin("intelligence/inquiry/")), audience="nobody"),
    ReadPath("admin message list shows content", "view", _shows(_admin("notifications/message/")), audience="nobody"),
    ReadPath(
        "admin portal message page shows content",
        "view",
        _shows(_admin("notifications/message/{notice}/change/")),
        audience="nobody",
    ),
    ReadPath(
        "admin e-mail message page shows content",
        "view",
        _shows(_admin("notifications/message/{email_notice}/change/")),
        audience="nobody",
    ),
    ReadPath(
        "admin user list shows a resident", "view", _shows(_admin("accounts/user/"), _personal_data), audience="nobody"
    ),
    ReadPath(
        "admin user page of a resident",
        "view",
        _page(_admin("accounts/user/{owner}/change/"), _personal_data),
        audience="nobody",
    ),
    # The operations endpoints (civicloop/ops/views.py): /healthz and /readyz answer anyone, and the
    # test client's address (127.0.0.1) is one /metrics answers by default. Whoever asks, none of them
    # may name a case or a resident. Who reaches each: test_access_matrix.py, "ops endpoints".
    *(
        ReadPath(
            f"GET {url} shows case or resident data",
            "view",
            _shows(_fixed(url), case_and_resident_data),
            audience="nobody",
        )
        for url in ("/healthz", "/readyz", "/metrics")
    ),
    # Procurement, staff: the tender's department as the case's, up to clearance and device, need-to-know
    # grants on the tender and the direct award (test_access_matrix.py). EDIT is left out: the oracle's
    # edit is a resident's answers, and no procurement path asks for it.
    *(
        ReadPath(
            f"procurement.rules.decide {target} {action}", str(action), _procurement_decides(target, action), "staff"
        )
        for target in ("tender", "bid", "document", "direct_award")
        for action in Action
        if action is not Action.EDIT
    ),
    ReadPath("procurement tenders_visible_to", "view", _procurement_scoped(tenders_visible_to, "tender"), "staff"),
    ReadPath("procurement bids_visible_to", "view", _procurement_scoped(bids_visible_to, "bid"), "staff"),
    ReadPath("HTML staff procurement index", "view", _listed("/staff/procurement/", _tender_names), audience="staff"),
    ReadPath(
        "HTML staff tender page",
        "view",
        _shows(_tender_url("procurement:staff-tender-detail"), _tender_names),
        audience="staff",
    ),
    ReadPath("HTML staff tender page names the bidder", "work", _tender_page_names_the_bidder, audience="staff"),
    ReadPath(
        "HTML staff direct award page",
        "view",
        _page(
            lambda f: reverse("procurement:staff-direct-award", args=[procurement_of(f).direct_award.public_id]),
            _direct_award_names,
        ),
        audience="staff",
    ),
    ReadPath("admin tender list", "view", _listed("/admin/procurement/tender/", _tender_names), audience="staff"),
    ReadPath("admin tender page", "view", _page(_procurement_admin("tender/{tender}/change/"), _tender_names), "staff"),
    ReadPath(
        "admin tender history page",
        "view",
        _page(_procurement_admin("tender/{tender}/history/"), _tender_names),
        "staff",
    ),
    ReadPath("admin bid list", "view", _listed("/admin/procurement/bid/", _tender_names), audience="staff"),
    ReadPath("admin bid page", "view", _page(_procurement_admin("bid/{bid}/change/"), _tender_names), "staff"),
    # Only a tender's named evaluators and the suppliers' own accounts reach these; no one in the
    # matrix is either (procurement's own matrix, civicloop/procurement/tests/test_matrix.py, covers them).
    ReadPath(
        "HTML evaluation page of a tender",
        "view",
        _page(_tender_url("procurement:staff-evaluate"), _tender_names),
        "nobody",
    ),
    ReadPath(
        "HTML supplier's tender page", "view", _page(_tender_url("procurement:tender-detail"), _tender_names), "nobody"
    ),
    # Procurement, public: an OFFICIAL published tender is announced to anyone (入札公告, OCDS);
    # nothing above OFFICIAL is, whoever asks.
    ReadPath("HTML procurement notices", "view", _listed("/procurement/notices/", _tender_names), audience="public"),
    ReadPath("HTML procurement notice page", "view", _page(_notice_url, _tender_names), audience="public"),
    ReadPath(
        "OCDS release package", "view", _listed("/opendata/ocds/release-package.json", _tender_names), audience="public"
    ),
    ReadPath(
        "OCDS record package", "view", _listed("/opendata/ocds/record-package.json", _tender_names), audience="public"
    ),
    ReadPath(
        "public tender document download",
        "download",
        _page(
            lambda f: reverse("procurement-notices:document", args=[procurement_of(f).document.public_id]),
            lambda f: [procurement_of(f).document.title],
        ),
        audience="public",
    ),
]
