# SPDX-License-Identifier: MPL-2.0
"""Staff chat pages: the channel list, a channel, a thread, search, and the JSON a page polls.

Every read goes through `access.get_channel_for_user` / `get_message_for_user` or
`Channel.objects.readable_by`; every write through an action, which checks the rules again.
"""

import uuid
from typing import Any

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicloop.accounts.colleagues import colleagues
from civicloop.accounts.models import User
from civicloop.accounts.staff import staff_member_or_404
from civicloop.cases.access import get_case_for_user
from civicloop.classification.policy import Action, NotPermitted, context_from_request
from civicloop.collab import actions
from civicloop.collab.access import get_channel_for_user, get_file_for_user, get_message_for_user
from civicloop.collab.forms import ConversationForm, EditForm, MessageForm, SearchForm, file_tiers_for
from civicloop.collab.models import REACTION_LABELS, REACTIONS, Channel, Mention, Message
from civicloop.collab.realtime import changed_since, new_payload, payloads
from civicloop.collab.rules import ChatAction, Kind, evaluate_channel

PAGE = 100  # messages on a channel page (the newest)
TEMPLATE_ID = "00000000-0000-0000-0000-000000000000"
READ_BATCH = 100  # message ids one read marker may name (a page shows at most PAGE)


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


@login_required(login_url="cases:staff-login")
def channel_list(request: HttpRequest) -> HttpResponse:
    """The channels this person may read here, with unread counts, and their unseen mentions."""
    user = staff_member_or_404(request)
    channels = list(
        Channel.objects.readable_by(user, context_from_request(request))
        .with_unread(user)
        .select_related("department", "case")
        .order_by("kind", "name", "pk")
    )
    mentions = (
        Mention.objects.unseen()
        .filter(user=user, message__channel__in=[c.pk for c in channels], message__is_deleted=False)
        .select_related("message__author", "message__channel")
        .order_by("-pk")[:20]
    )
    without_channel = user.departments.exclude(
        pk__in=Channel.objects.filter(kind=Kind.DEPARTMENT).values("department_id")
    ).order_by("code")
    return render(
        request,
        "collab/channel_list.html",
        {
            "channels": channels,
            "mentions": mentions,
            "search_form": SearchForm(),
            "new_form": ConversationForm(),
            "departments_without_channel": list(without_channel),
        },
    )


def _page_of(request: HttpRequest, channel: Channel, user: User, *, thread: Message | None = None) -> dict[str, Any]:
    base = Message.objects.filter(channel=channel).select_related("author", "parent")
    if thread is None:
        shown = list(base.filter(parent__isnull=True).order_by("-pk")[:PAGE])[::-1]
    else:
        shown = [thread, *base.filter(parent=thread).order_by("pk")]
    rows = payloads(shown)
    context = context_from_request(request)
    actions.mark_read(channel=channel, user=user, messages=shown)
    return {
        "channel": channel,
        "rows": rows,
        "pinned": payloads(list(base.filter(is_pinned=True, is_deleted=False))) if thread is None else [],
        "me": str(user.public_id),
        "may_post": evaluate_channel(user, ChatAction.POST, channel, context).allowed,
        "reactions": {code: (emoji, REACTION_LABELS[code]) for code, emoji in REACTIONS.items()},
        "thread": thread,
        "form": MessageForm(),
        "seq": channel.last_seq,
        # The skeleton chat.js fills for a message that arrives live (its own, so every control is in it).
        "template_row": {
            "public_id": TEMPLATE_ID,
            "author_id": str(user.public_id),
            "reactions": {},
            "replies": 0,
            "files": [],
        },
        "file_tiers": file_tiers_for(channel),
    }


@login_required(login_url="cases:staff-login")
def channel_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = staff_member_or_404(request)
    channel = get_channel_for_user(user, public_id, action=ChatAction.READ, context=context_from_request(request))
    return render(request, "collab/channel_detail.html", _page_of(request, channel, user))


@login_required(login_url="cases:staff-login")
def thread(request: HttpRequest, public_id: uuid.UUID, message_id: uuid.UUID) -> HttpResponse:
    user = staff_member_or_404(request)
    parent = get_message_for_user(user, message_id, action=ChatAction.READ, context=context_from_request(request))
    if parent.channel.public_id != public_id or parent.parent_id is not None:
        raise Http404
    return render(request, "collab/channel_detail.html", _page_of(request, parent.channel, user, thread=parent))


@login_required(login_url="cases:staff-login")
def messages_json(request: HttpRequest, public_id: uuid.UUID) -> JsonResponse:
    """What changed in the channel after change `after` (the poll when there is no websocket)."""
    user = staff_member_or_404(request)
    channel = get_channel_for_user(user, public_id, action=ChatAction.READ, context=context_from_request(request))
    try:
        after = max(0, int(request.GET.get("after", "0")))
    except ValueError:
        return JsonResponse({"detail": "after must be a number"}, status=400)
    changed = changed_since(channel, after)
    actions.mark_read(channel=channel, user=user, messages=changed)
    last = changed[-1].seq if changed else after
    return JsonResponse({"messages": payloads(changed), "seq": last, "more": last < channel.last_seq})


@login_required(login_url="cases:staff-login")
@require_POST
def read_marker(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Mark messages that arrived live (over the websocket) as read, so unread counts keep up.

    The page posts the ids it showed; those of this channel count (the channel's rule is the
    messages' rule), and the marker never moves back (`actions.mark_read`).
    """
    user = staff_member_or_404(request)
    channel = get_channel_for_user(user, public_id, action=ChatAction.READ, context=context_from_request(request))
    try:
        ids = [uuid.UUID(value) for value in request.POST.getlist("message")[:READ_BATCH]]
    except ValueError:
        return HttpResponse(status=400)
    shown = list(Message.objects.filter(channel=channel, public_id__in=ids))
    if not shown:
        raise Http404
    actions.mark_read(channel=channel, user=user, messages=shown)
    return HttpResponse(status=204)


def _back(channel: Channel, parent: Message | None) -> str:
    if parent is not None:
        return reverse("collab:thread", args=[channel.public_id, parent.public_id])
    return reverse("collab:channel-detail", args=[channel.public_id])


@login_required(login_url="cases:staff-login")
@require_POST
def message_create(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = staff_member_or_404(request)
    context = context_from_request(request)
    channel = get_channel_for_user(user, public_id, action=ChatAction.READ, context=context)
    form = MessageForm(request.POST, request.FILES)
    parent = None
    if form.is_valid() and form.cleaned_data["parent"]:
        parent = get_message_for_user(user, form.cleaned_data["parent"], action=ChatAction.READ, context=context)
    try:
        if not form.is_valid():
            problem = form.non_field_errors() or form.errors.get("file") or form.errors.get("file_classification")
            raise actions.InvalidMessage(
                problem[0] if problem else _("Write a message of at most %(n)s characters.") % {"n": actions.MAX_BODY}
            )
        message = actions.post_message(
            channel=channel,
            author=user,
            body=form.cleaned_data["body"],
            parent=parent,
            context=context,
            files=[form.cleaned_data["file"]] if form.cleaned_data["file"] else [],
            file_classification=form.cleaned_data["file_classification"] or None,
        )
    except (actions.InvalidMessage, actions.FileRefused, NotPermitted) as exc:
        return _refused(request, exc, _back(channel, parent))
    if _wants_json(request):
        files = list(message.files.order_by("pk")) if form.cleaned_data["file"] else []
        return JsonResponse(new_payload(message, files), status=201)
    return redirect(_back(channel, parent))


def _refused(request: HttpRequest, exc: Exception, back: str) -> HttpResponse:
    status = 403 if isinstance(exc, NotPermitted) else 400
    text = _("You cannot post in this channel.") if isinstance(exc, NotPermitted) else str(exc)
    if _wants_json(request):
        return JsonResponse({"detail": text}, status=status)
    flash.error(request, text)
    return redirect(back)


def _message_for_post(request: HttpRequest, message_id: uuid.UUID) -> tuple[User, Message, Any]:
    user = staff_member_or_404(request)
    context = context_from_request(request)
    return user, get_message_for_user(user, message_id, action=ChatAction.READ, context=context), context


@login_required(login_url="cases:staff-login")
def message_edit(request: HttpRequest, message_id: uuid.UUID) -> HttpResponse:
    user, message, context = _message_for_post(request, message_id)
    if message.author_id != user.pk or message.is_deleted:
        raise Http404
    form = EditForm(request.POST or None, initial={"body": message.body})
    if request.method == "POST" and form.is_valid():
        try:
            actions.edit_message(message=message, editor=user, body=form.cleaned_data["body"], context=context)
        except (actions.InvalidMessage, NotPermitted) as exc:
            return _refused(request, exc, _back(message.channel, message.parent))
        return redirect(_back(message.channel, message.parent))
    return render(request, "collab/message_edit.html", {"message": message, "form": form})


@login_required(login_url="cases:staff-login")
@require_POST
def message_delete(request: HttpRequest, message_id: uuid.UUID) -> HttpResponse:
    user, message, context = _message_for_post(request, message_id)
    try:
        actions.delete_message(message=message, actor=user, context=context)
    except (actions.InvalidMessage, NotPermitted) as exc:
        return _refused(request, exc, _back(message.channel, message.parent))
    return redirect(_back(message.channel, message.parent))


@login_required(login_url="cases:staff-login")
@require_POST
def message_react(request: HttpRequest, message_id: uuid.UUID) -> HttpResponse:
    user, message, context = _message_for_post(request, message_id)
    try:
        actions.toggle_reaction(message=message, user=user, code=request.POST.get("code", ""), context=context)
    except (actions.InvalidMessage, NotPermitted) as exc:
        return _refused(request, exc, _back(message.channel, message.parent))
    return HttpResponse(status=204) if _wants_json(request) else redirect(_back(message.channel, message.parent))


@login_required(login_url="cases:staff-login")
@require_POST
def message_pin(request: HttpRequest, message_id: uuid.UUID) -> HttpResponse:
    user, message, context = _message_for_post(request, message_id)
    try:
        actions.toggle_pin(message=message, user=user, context=context)
    except (actions.InvalidMessage, NotPermitted) as exc:
        return _refused(request, exc, _back(message.channel, message.parent))
    return redirect(_back(message.channel, None))


@login_required(login_url="cases:staff-login")
def file_download(request: HttpRequest, file_id: uuid.UUID) -> FileResponse:
    """A chat file, streamed to whoever the rules let download it from this device (every download audited)."""
    user = staff_member_or_404(request)
    file = get_file_for_user(user, file_id, context=context_from_request(request))
    response = FileResponse(
        file.file.open("rb"), content_type=file.content_type, as_attachment=True, filename=file.original_name
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required(login_url="cases:staff-login")
def search(request: HttpRequest) -> HttpResponse:
    """Messages containing the words, in the channels this person may read from this device only."""
    user = staff_member_or_404(request)
    form = SearchForm(request.GET)
    hits: list[Message] = []
    if form.is_valid():
        readable = Channel.objects.readable_by(user, context_from_request(request))
        hits = list(
            Message.objects.filter(channel__in=readable, is_deleted=False, body__icontains=form.cleaned_data["q"])
            .select_related("author", "channel", "parent")
            .order_by("-pk")[:50]
        )
    return render(request, "collab/search.html", {"form": form, "hits": hits}, status=200 if form.is_valid() else 400)


@login_required(login_url="cases:staff-login")
@require_POST
def conversation_create(request: HttpRequest) -> HttpResponse:
    user = staff_member_or_404(request)
    form = ConversationForm(request.POST)
    if not form.is_valid():
        flash.error(request, _("Name the people and choose the kind of conversation."))
        return redirect("collab:channel-list")
    names = form.names()
    people = list(colleagues().filter(username__in=names))
    if len(people) != len(set(names)):
        flash.error(request, _("Some of these user names are not staff: %(names)s") % {"names": ", ".join(names)})
        return redirect("collab:channel-list")
    try:
        channel = actions.open_conversation(
            kind=Kind(form.cleaned_data["kind"]),
            members=people,
            opened_by=user,
            name=form.cleaned_data["name"],
            classification=form.cleaned_data["classification"],
        )
    except actions.ChatRefused as exc:
        flash.error(request, str(exc))
        return redirect("collab:channel-list")
    return redirect("collab:channel-detail", channel.public_id)


@login_required(login_url="cases:staff-login")
@require_POST
def department_channel_open(request: HttpRequest, code: str) -> HttpResponse:
    """Open one's own department's channel (or go to it, if someone opened it meanwhile)."""
    user = staff_member_or_404(request)
    department = user.departments.filter(code=code).first()
    if department is None:
        raise Http404
    channel = actions.department_channel(department=department, opened_by=user)
    return redirect("collab:channel-detail", channel.public_id)


@login_required(login_url="cases:staff-login")
@require_POST
def case_channel_open(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """Open (or go to) a case's channel, from the case page."""
    user = staff_member_or_404(request)
    context = context_from_request(request)
    case = get_case_for_user(user, case_id, action=Action.VIEW, context=context)
    try:
        channel = actions.open_case_channel(case=case, opened_by=user, context=context)
    except NotPermitted:
        flash.error(request, _("This case cannot be discussed in chat from here."))
        return redirect("cases:case-detail", case.public_id)
    return redirect("collab:channel-detail", channel.public_id)
