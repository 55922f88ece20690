import hashlib
import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from palermo.common.text import validate_plain_text, validate_single_line
from palermo.organizations.enums import (
    Availability,
    EcosocStatus,
    MemberRole,
    OrganizationType,
    VerificationStatus,
)
from palermo.reference.models import Article, Instrument, RegionalGroup, State, Topic


class Organization(models.Model):
    slug = models.SlugField(_("address"), max_length=80, unique=True)
    name = models.CharField(
        _("name"),
        max_length=200,
        validators=[validate_single_line],
        help_text=_("In its own script, as the organization writes it."),
    )
    name_latin = models.CharField(
        _("name in Latin script"),
        max_length=200,
        blank=True,
        validators=[validate_single_line],
        help_text=_("A transliteration, if the name is written in another script."),
    )
    # Derived from the name on every save (services), used to find look-alike names.
    name_skeleton = models.TextField(db_index=True, editable=False)
    kind = models.CharField(_("type"), max_length=16, choices=OrganizationType.choices)
    headquarters = models.ForeignKey(
        State,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("headquarters country"),
    )
    countries = models.ManyToManyField(
        State, blank=True, related_name="organizations", verbose_name=_("countries of work")
    )
    regions = models.ManyToManyField(
        RegionalGroup,
        blank=True,
        related_name="organizations",
        verbose_name=_("regions of work"),
    )
    languages = models.JSONField(_("working languages"), default=list, blank=True)
    instruments = models.ManyToManyField(
        Instrument, blank=True, related_name="organizations", verbose_name=_("instruments")
    )
    articles = models.ManyToManyField(
        Article, blank=True, related_name="organizations", verbose_name=_("articles")
    )
    topics = models.ManyToManyField(
        Topic,
        blank=True,
        related_name="organizations",
        verbose_name=_("crime markets and resilience areas"),
    )
    ecosoc_status = models.CharField(
        _("ECOSOC status"),
        max_length=12,
        choices=EcosocStatus.choices,
        default=EcosocStatus.NONE,
    )
    website = models.URLField(_("website"), blank=True, max_length=300)
    description = models.TextField(
        _("description"),
        blank=True,
        max_length=5000,
        validators=[validate_plain_text],
        help_text=_("Markdown: **bold**, *italic*, lists and links. No images or HTML."),
    )
    logo = models.CharField(max_length=80, blank=True, editable=False)  # generated file name
    is_listed = models.BooleanField(
        _("listed in the public registry"),
        default=False,
        help_text=_("Once verified, show this organization on the public registry."),
    )
    require_mfa = models.BooleanField(
        _("require a second factor of every member"),
        default=False,
    )
    verification_status = models.CharField(
        _("verification"),
        max_length=10,
        choices=VerificationStatus.choices,
        default=VerificationStatus.PENDING,
        db_index=True,
    )
    possible_duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("possible duplicate of"),
    )
    is_demo = models.BooleanField(_("demo record"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    history = HistoricalRecords(excluded_fields=["name_skeleton"])

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("organizations:organization_detail", args=[self.slug])

    @property
    def is_public(self) -> bool:
        return self.is_listed and self.verification_status == VerificationStatus.VERIFIED


class VerificationDecision(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="decisions"
    )
    status = models.CharField(_("decision"), max_length=10, choices=VerificationStatus.choices)
    reason = models.TextField(_("reason"), max_length=2000, validators=[validate_plain_text])
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), auto_now_add=True)

    class Meta:
        ordering = ["-decided_at", "-id"]
        verbose_name = _("verification decision")
        verbose_name_plural = _("verification decisions")

    def __str__(self):
        return f"{self.organization}: {self.get_status_display()}"


class Membership(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=8, choices=MemberRole.choices)
    joined_at = models.DateTimeField(_("joined"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["organization__name", "joined_at"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_unique")
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self):
        return f"{self.user} in {self.organization} ({self.get_role_display()})"

    @property
    def role_rank(self) -> int:
        return MemberRole(self.role).rank


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(models.Model):
    """An e-mailed, single-use invitation. Only the token's hash is stored."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(
        _("role"), max_length=8, choices=MemberRole.choices, default=MemberRole.MEMBER
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self):
        return f"{self.email} → {self.organization}"

    @property
    def is_open(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )


class ExpertProfile(models.Model):
    """A person's opt-in entry in the network of experts. Withdrawing unpublishes it at
    once; the e-mail address is never shown, contact goes through the hub."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="expert_profile"
    )
    is_published = models.BooleanField(_("published in the network of experts"), default=False)
    name = models.CharField(_("name shown"), max_length=120, validators=[validate_single_line])
    headline = models.CharField(
        _("headline"),
        max_length=200,
        validators=[validate_single_line],
        help_text=_("One line on what you know, e.g. “Lawyer, trafficking cases in the Sahel”."),
    )
    affiliation = models.CharField(
        _("affiliation"), max_length=200, blank=True, validators=[validate_single_line]
    )
    bio = models.TextField(
        _("about"),
        blank=True,
        max_length=3000,
        validators=[validate_plain_text],
        help_text=_("Markdown: **bold**, *italic*, lists and links."),
    )
    instruments = models.ManyToManyField(
        Instrument, blank=True, related_name="experts", verbose_name=_("instruments")
    )
    articles = models.ManyToManyField(
        Article, blank=True, related_name="experts", verbose_name=_("articles")
    )
    topics = models.ManyToManyField(
        Topic,
        blank=True,
        related_name="experts",
        verbose_name=_("crime markets and resilience areas"),
    )
    regions = models.ManyToManyField(
        RegionalGroup, blank=True, related_name="experts", verbose_name=_("regions")
    )
    languages = models.JSONField(_("languages"), default=list, blank=True)
    availability = models.CharField(
        _("availability"),
        max_length=12,
        choices=Availability.choices,
        default=Availability.AVAILABLE,
    )
    is_demo = models.BooleanField(_("demo record"), default=False)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("expert profile")
        verbose_name_plural = _("expert profiles")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("organizations:expert_detail", args=[self.public_id])
