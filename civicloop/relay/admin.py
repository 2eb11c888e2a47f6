# SPDX-License-Identifier: MPL-2.0
"""Admin: register webhook subscribers, watch their status and the consumers' checkpoints.

Saving goes through `relay.actions`, so the admin gets the same checks, event and audit entry as
any other caller.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from civicloop.accounts.models import User
from civicloop.relay import actions
from civicloop.relay.consumers import pending_for
from civicloop.relay.models import ConsumerCursor, WebhookDelivery, WebhookSubscription


class WebhookSubscriptionForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https")

    class Meta:
        model = WebhookSubscription
        fields = ["name", "url", "event_types", "max_classification", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user: User | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.user is None or self.errors:
            return data
        try:
            actions.check_subscription(
                data["url"], data.get("event_types") or [], data["max_classification"], self.user
            )
        except (actions.CeilingNotAllowed, actions.BadSubscription) as exc:
            raise forms.ValidationError(str(exc)) from exc
        return data


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = WebhookSubscriptionForm
    list_display = [
        "name",
        "url",
        "is_active",
        "max_classification",
        "health",
        "consecutive_failures",
        "last_success_at",
        "last_failure_at",
        "last_error",
    ]
    list_filter = ["is_active", "max_classification"]
    readonly_fields = [
        "public_id",
        "secret",
        "from_position",
        "created_at",
        "created_by",
        "next_attempt_at",
        "consecutive_failures",
        "last_success_at",
        "last_failure_at",
        "last_error",
    ]
    actions = ["retry_failed", "rotate_secret"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form_class = super().get_form(request, obj, change, **kwargs)
        user = request.user

        class WithUser(form_class):  # type: ignore[valid-type,misc]
            def __init__(self, *args: Any, **kw: Any) -> None:
                super().__init__(*args, **kw)
                self.user = user if isinstance(user, User) else None

        return WithUser

    def save_model(self, request: HttpRequest, obj: WebhookSubscription, form: Any, change: bool) -> None:
        assert isinstance(request.user, User)
        data = form.cleaned_data
        fields = {
            "name": data["name"],
            "url": data["url"],
            "event_types": data.get("event_types") or [],
            "max_classification": data["max_classification"],
            "by": request.user,
        }
        if change:
            saved = actions.update_subscription(subscription=obj, is_active=data["is_active"], **fields)
        else:
            saved = actions.register_subscription(**fields)
            if not data["is_active"]:
                saved = actions.update_subscription(subscription=saved, is_active=False, **fields)
        obj.pk, obj.public_id = saved.pk, saved.public_id

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead: the deliveries are the subscriber's history

    @admin.action(description="Retry failed deliveries")
    def retry_failed(self, request: HttpRequest, queryset: QuerySet[WebhookSubscription]) -> None:
        assert isinstance(request.user, User)
        count = sum(actions.retry_failed_deliveries(subscription=s, by=request.user) for s in queryset)
        self.message_user(request, f"{count} deliveries queued again.", messages.SUCCESS)

    @admin.action(description="Rotate secret")
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[WebhookSubscription]) -> None:
        assert isinstance(request.user, User)
        for subscription in queryset:
            actions.rotate_secret(subscription=subscription, by=request.user)
        self.message_user(request, "New secrets set; give them to the receivers.", messages.WARNING)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["subscription", "position", "status", "attempts", "last_status_code", "last_error", "delivered_at"]
    list_filter = ["status", "subscription"]
    list_select_related = ["subscription"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ConsumerCursor)
class ConsumerCursorAdmin(admin.ModelAdmin):
    list_display = ["name", "position", "behind", "failures", "retry_at", "last_error", "updated_at"]

    @admin.display(description="events behind")
    def behind(self, obj: ConsumerCursor) -> int:
        return pending_for(obj.name)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
