# SPDX-License-Identifier: MPL-2.0
"""The signed-in staff member behind a request, for the staff pages of every app."""

from django.http import Http404, HttpRequest

from civicloop.accounts.models import User


def staff_member_or_404(request: HttpRequest) -> User:
    """The request's user if a staff member; anyone else gets 404 (the page does not exist for them)."""
    user = request.user
    if not isinstance(user, User) or not user.is_staff_member:
        raise Http404
    return user
