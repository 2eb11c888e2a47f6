# SPDX-License-Identifier: MPL-2.0
import uuid
from datetime import datetime

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

from civicloop.core.language import is_english
from civicloop.core.models import Classification


class Department(models.Model):
    """A 課 of the municipality, by the canonical code in DOMAIN.md (loaded from the catalogue)."""

    code = models.SlugField(max_length=40, unique=True)
    name_ja = models.CharField(max_length=100)
    name_en = models.CharField(max_length=200)
    is_external = models.BooleanField(default=False, help_text="Handled by another body (e.g. 東京都水道局).")
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name_ja

    @property
    def name(self) -> str:
        return self.name_en if is_english() else self.name_ja


class Position(models.TextChoices):
    """Ranks in approval order (専決規程). The order of this list is the order of authority."""

    CLERK = "clerk", "担当"
    KAKARICHO = "kakaricho", "係長"
    KACHO = "kacho", "課長"
    BUCHO = "bucho", "部長"
    FUKU_KUCHO = "fuku_kucho", "副区長"
    KUCHO = "kucho", "区長"


POSITION_RANK = {p.value: i for i, p in enumerate(Position)}


class Role(models.TextChoices):
    SECURITY_OFFICER = "security_officer", "情報セキュリティ責任者"
    AUDITOR = "auditor", "監査"
    ADMINISTRATOR = "administrator", "システム管理者"


class User(AbstractUser):
    class Kind(models.TextChoices):
        RESIDENT = "resident", "resident"
        STAFF = "staff", "staff"
        # A company's employee who sells to the municipality (civicloop.procurement): signs in with
        # allauth and a second factor like staff, sees only its company's procurement records.
        SUPPLIER = "supplier", "supplier"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.RESIDENT)
    # 基本4情報 as the identity provider asserted them (IMI: 氏名, 住所, 生年月日); stored as given so
    # that rare characters such as 𠮷 and 髙 survive.
    full_name = models.CharField(max_length=200, blank=True)
    full_name_kana = models.CharField(max_length=200, blank=True)
    birthdate = models.DateField(null=True, blank=True)
    address = models.CharField(max_length=400, blank=True)
    departments = models.ManyToManyField(Department, blank=True, related_name="staff")
    clearance = models.CharField(max_length=16, choices=Classification.choices, default=Classification.OFFICIAL)
    # The rank that signs in an approval route (専決規程): who may 決裁 what.
    position = models.CharField(max_length=16, choices=Position.choices, default=Position.CLERK)
    # Roles beyond the rank, as Role codes (情報セキュリティ責任者, 監査, システム管理).
    roles = models.JSONField(default=list, blank=True)
    # 不在: while set, an approval step for this person may be taken by a 代決 approver.
    absent_until = models.DateField(null=True, blank=True)

    def has_role(self, role: str) -> bool:
        return role in (self.roles or [])

    @property
    def is_resident(self) -> bool:
        return self.kind == self.Kind.RESIDENT

    @property
    def is_staff_member(self) -> bool:
        return self.kind == self.Kind.STAFF

    @property
    def is_supplier(self) -> bool:
        return self.kind == self.Kind.SUPPLIER

    @property
    def is_back_office(self) -> bool:
        """Staff and administrators: they sign in at /staff/login/ with a second factor, never via /auth/."""
        return self.kind == self.Kind.STAFF or self.is_staff or self.is_superuser

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


class OidcIdentity(models.Model):
    """Links a resident to the subject an OpenID Connect provider asserted."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="oidc_identities")
    issuer = models.CharField(max_length=300)
    subject = models.CharField(max_length=255)
    last_login_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="oidc_identity_unique")]


class MfaInvitationQuerySet(models.QuerySet["MfaInvitation"]):
    def usable(self, now: datetime) -> "MfaInvitationQuerySet":
        """Neither used, nor replaced by a newer invitation, nor expired at `now`."""
        return self.filter(used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now)


class MfaInvitation(models.Model):
    """A one-time code that lets a member of staff enrol their first second factor.

    Without it a password alone would be enough to enrol an authenticator of the signer-in's
    choosing and take the account over (issue 10). An administrator or the information-security
    officer issues it (accounts.actions.issue_mfa_invitation) and hands the code over out of band;
    only its hash is stored.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="mfa_invitations")
    # SHA-256 of the code: codes carry 80 random bits, so a fast hash is enough (as device tokens).
    code_hash = models.CharField(max_length=64, unique=True, editable=False)
    # None: issued at the server console (`manage.py issue_mfa_invitation`), to bootstrap.
    issued_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    issued_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    # Wrong codes typed by its person while it was open; at actions.INVITATION_ATTEMPTS it is withdrawn.
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    # Set when a newer invitation replaces this one (one usable invitation per person at a time), or
    # when too many wrong codes withdraw it.
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = MfaInvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-pk"]

    def __str__(self) -> str:
        return f"invitation for {self.user} ({self.issued_at:%Y-%m-%d %H:%M})"

    def is_usable(self, now: datetime) -> bool:
        return self.used_at is None and self.revoked_at is None and self.expires_at > now
