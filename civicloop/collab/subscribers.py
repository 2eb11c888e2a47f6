# SPDX-License-Identifier: MPL-2.0
"""When a fact the chat rules read changes, tell the open chat sockets it touches to decide again.

An open socket passes messages on without asking the rules before each one (consumers.py says
why); these reactions are what close it promptly when the reader may no longer read:

- a person's account (active, clearance, roles), departments, devices (posture, approval,
  revocation), need-to-know grants, channel memberships, or their signing out: that person's
  sockets (`realtime.reader_group`);
- a tier raised or lowered (`classification.*`), a grant revoked or a device's trust changed as
  events: every chat socket (`realtime.RECHECK_ALL_GROUP`); these are rare, and a relabel moves
  a whole family of rows with `update()`, which sends no model signal.

Each announcement goes out after the change commits (`realtime.recheck_after_commit`). What is
missed here is still caught within `consumers.RECHECK_S`.
"""

from typing import Any

from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from civicloop.accounts.models import User
from civicloop.classification.models import NeedToKnowGrant
from civicloop.collab.models import Membership
from civicloop.collab.realtime import RECHECK_ALL_GROUP, reader_group, recheck_after_commit
from civicloop.core import events
from civicloop.core.models import Event
from civicloop.devices.models import Device

EVERY_SOCKET_EVENTS = (
    "classification.changed",
    "classification.provisionally_raised",
    "classification.request_approved",
    "classification.request_rejected",
    "need_to_know.revoked",
    "device.trust_changed",
)


def _recheck_people(*user_pks: int | None) -> None:
    recheck_after_commit(reader_group(pk) for pk in user_pks if pk is not None)


@receiver(post_save, sender=User, dispatch_uid="collab.recheck_user")
def user_saved(sender: type[User], instance: User, **kwargs: Any) -> None:
    if instance.is_staff_member:
        _recheck_people(instance.pk)


@receiver(m2m_changed, sender=User.departments.through, dispatch_uid="collab.recheck_departments")
def departments_changed(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: set[int] | None, **kw: Any
) -> None:
    if action not in ("post_add", "post_remove", "post_clear", "pre_clear"):
        return
    if not reverse:
        _recheck_people(instance.pk)
    elif pk_set:  # department.members.remove(...): the people are the keys
        _recheck_people(*pk_set)
    else:  # a department cleared of everyone: rare, ask every socket
        recheck_after_commit([RECHECK_ALL_GROUP])


@receiver(post_save, sender=Device, dispatch_uid="collab.recheck_device_saved")
@receiver(post_delete, sender=Device, dispatch_uid="collab.recheck_device_deleted")
def device_changed(sender: type[Device], instance: Device, **kwargs: Any) -> None:
    _recheck_people(instance.owner_id)


@receiver(post_save, sender=NeedToKnowGrant, dispatch_uid="collab.recheck_grant_saved")
@receiver(post_delete, sender=NeedToKnowGrant, dispatch_uid="collab.recheck_grant_deleted")
def grant_changed(sender: type[NeedToKnowGrant], instance: NeedToKnowGrant, **kwargs: Any) -> None:
    _recheck_people(instance.user_id)


@receiver(post_delete, sender=Membership, dispatch_uid="collab.recheck_membership")
def membership_ended(sender: type[Membership], instance: Membership, **kwargs: Any) -> None:
    _recheck_people(instance.user_id)


@receiver(user_logged_out, dispatch_uid="collab.recheck_signed_out")
def signed_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        _recheck_people(user.pk)


def _recheck_every_socket(event: Event) -> None:
    recheck_after_commit([RECHECK_ALL_GROUP])


for _event_type in EVERY_SOCKET_EVENTS:
    events.subscribe(_event_type)(_recheck_every_socket)
