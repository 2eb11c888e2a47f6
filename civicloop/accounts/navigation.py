# SPDX-License-Identifier: MPL-2.0
"""The site header's links, chosen once by the kind of visitor: resident, supplier, staff or guest.

templates/base.html only draws `header_links`. The choice lived in the template as
`not user.is_staff_member`, which gave a supplier (`User.Kind.SUPPLIER`) the residents' links
("My applications") instead of its procurement pages; here each kind has its own list. The
public links (procedures, help) and the account controls (notices, sign out, sign in, language)
stay in the template, the same for everyone. A staff link to a page that only some staff may open
names the page's permission and is shown to those staff only.
"""

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils.functional import Promise, SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from civicloop.core.site_urls import fixed_url


@dataclass(frozen=True)
class HeaderLink:
    label: str | Promise
    url_name: str
    # The permission the linked page's view checks ("app.codename"); empty: every visitor of the kind.
    permission: str = ""

    @property
    def url(self) -> str:
        return fixed_url(self.url_name)  # on every page: reversed once per process


STAFF_LINKS = (
    HeaderLink(_("Inbox"), "cases:case-list"),
    HeaderLink(_("Inquiries"), "intelligence:staff-inquiry-list"),
    HeaderLink(_("Chat"), "collab:channel-list"),
    HeaderLink(_("Co-edited documents"), "authoring:document-list"),
    HeaderLink(_("Council Q&A"), "council:session-list"),
    HeaderLink(_("Meetings"), "meetings:meeting-list"),
    HeaderLink(_("Devices and security"), "devices:device-list"),
    HeaderLink(_("Dashboards"), "analytics:dashboard-list"),
    # Only for staff who check the provider's daily file (照合): payments.views._reconciler asks the same.
    HeaderLink(
        _("Reconciliation of payments"),
        "payments:reconciliation-list",
        permission="payments.view_reconciliationrun",
    ),
)
SUPPLIER_LINKS = (
    HeaderLink(_("Tenders and bids"), "procurement:supplier-home"),
    HeaderLink(_("Procurement notices"), "procurement-notices:list"),
)
RESIDENT_LINKS = (HeaderLink(_("My applications"), "applications:application-list"),)

# Which of the staff links' permissions the person holds, worked out when they sign in and kept in
# their session: the header is on every page, and `has_perm` costs two queries (their own
# permissions and their groups'). A permission granted later shows its link from the next sign-in;
# one taken away leaves a link to a page that answers 404 (each page checks for itself).
LINK_PERMISSIONS = "header_link_permissions"


def remember_link_permissions(request: HttpRequest | None, user: Any) -> None:
    """At sign-in (`user_logged_in`): keep in the session which staff links' permissions `user` holds."""
    if request is None or not getattr(user, "is_staff_member", False):
        return
    wanted = {link.permission for link in STAFF_LINKS if link.permission}
    request.session[LINK_PERMISSIONS] = sorted(p for p in wanted if user.has_perm(p))


def _staff_links(request: HttpRequest, user: Any) -> tuple[HeaderLink, ...]:
    held = request.session.get(LINK_PERMISSIONS)
    if held is None:  # a session begun before the permissions were kept in it
        remember_link_permissions(request, user)
        held = request.session[LINK_PERMISSIONS]
    return tuple(link for link in STAFF_LINKS if not link.permission or link.permission in held)


def header_links_for(request: HttpRequest) -> tuple[HeaderLink, ...]:
    """The header's links for the visitor behind `request`, by the kind of their account.

    A guest gets "My applications" only once a guest draft is in their session.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        session = getattr(request, "session", None)
        return RESIDENT_LINKS if session is not None and session.get("guest_keys") else ()
    if user.is_staff_member:
        return _staff_links(request, user)
    if user.is_supplier:
        return SUPPLIER_LINKS
    return RESIDENT_LINKS


def header(request: HttpRequest) -> dict[str, Any]:
    """Context processor (settings.TEMPLATES): `header_links` for templates/base.html.

    Worked out when base.html draws the header, not for every render: a fragment or an e-mail
    rendered with the request costs no permission lookup.
    """
    return {"header_links": SimpleLazyObject(lambda: header_links_for(request))}
