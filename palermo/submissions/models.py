import hashlib
import json

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from palermo.common.text import validate_plain_text, validate_single_line
from palermo.organizations.enums import Language
from palermo.organizations.models import Organization
from palermo.reference.models import Article, Cluster, Instrument, State
from palermo.reviews.models import CountryReview
from palermo.submissions.enums import (
    Addressee,
    IdentityTier,
    Priority,
    SourceKind,
    SubmissionStatus,
)


class Submission(models.Model):
    """Civil-society input on one State's review: the law, the practice with evidence,
    recommendations and sources. Every save is a version (SubmissionVersion)."""

    reference = models.CharField(_("reference"), max_length=16, unique=True, editable=False)
    # Empty for an anonymous submission: no account and no organization behind it here.
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="submissions",
        verbose_name=_("lead organization"),
    )
    state = models.ForeignKey(
        State,
        on_delete=models.PROTECT,
        related_name="submissions",
        verbose_name=_("State under review"),
    )
    review = models.ForeignKey(
        CountryReview,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="submissions",
        verbose_name=_("review"),
    )
    cluster = models.ForeignKey(
        Cluster,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="submissions",
        verbose_name=_("cluster"),
    )
    instruments = models.ManyToManyField(
        Instrument, related_name="submissions", verbose_name=_("instruments")
    )
    articles = models.ManyToManyField(
        Article, blank=True, related_name="submissions", verbose_name=_("articles")
    )
    title = models.CharField(_("title"), max_length=200, validators=[validate_single_line])
    summary = models.TextField(_("summary"), max_length=2000, validators=[validate_plain_text])
    law = models.TextField(
        _("the law (de jure)"),
        max_length=30000,
        blank=True,
        validators=[validate_plain_text],
        help_text=_("How the law and regulations implement the articles."),
    )
    practice = models.TextField(
        _("the practice (de facto), with evidence"),
        max_length=30000,
        blank=True,
        validators=[validate_plain_text],
        help_text=_("What happens in practice, and the evidence for it."),
    )
    language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, default=Language.EN
    )
    tier = models.CharField(
        _("identity"), max_length=16, choices=IdentityTier.choices, default=IdentityTier.ATTRIBUTED
    )
    show_authors = models.BooleanField(_("name the authors too"), default=False)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=SubmissionStatus.choices,
        default=SubmissionStatus.DRAFT,
        db_index=True,
    )
    embargo_until = models.DateField(
        _("not public before"),
        null=True,
        blank=True,
        help_text=_(
            "Optional: published only from this date (Vienna), e.g. after the "
            "review's summary is out."
        ),
    )
    signon_deadline = models.DateField(
        _("co-signing deadline"),
        null=True,
        blank=True,
        help_text=_("Invited organizations can accept until this date (Vienna)."),
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.TextField(
        _("reason for withdrawal"), blank=True, validators=[validate_plain_text]
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")

    def __str__(self):
        return f"{self.reference} {self.title}"

    def get_absolute_url(self):
        return reverse("submissions:submission_detail", args=[self.reference])

    @property
    def is_editable(self) -> bool:
        return self.status in (SubmissionStatus.DRAFT, SubmissionStatus.RETURNED)


class Recommendation(models.Model):
    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="recommendations"
    )
    position = models.PositiveSmallIntegerField()
    text = models.TextField(_("recommendation"), max_length=3000, validators=[validate_plain_text])
    addressee = models.CharField(_("addressed to"), max_length=12, choices=Addressee.choices)
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.MEDIUM
    )
    articles = models.ManyToManyField(
        Article, blank=True, related_name="recommendations", verbose_name=_("articles")
    )

    class Meta:
        ordering = ["position"]
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")

    def __str__(self):
        return self.text[:80]


class SubmissionSource(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="sources")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(_("title"), max_length=300, validators=[validate_single_line])
    url = models.URLField(_("address (URL)"), max_length=500, blank=True)
    date = models.DateField(_("date"), null=True, blank=True)
    kind = models.CharField(
        _("kind"), max_length=8, choices=SourceKind.choices, default=SourceKind.REPORT
    )

    class Meta:
        ordering = ["position"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self):
        return self.title


class SubmissionVersion(models.Model):
    """The content as saved, canonical and hashed: any two versions can be compared, and a
    receipt can prove which one was sent."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    content = models.JSONField()
    content_sha256 = models.CharField(max_length=64)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    saved_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["submission", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "number"], name="submission_version_unique"
            )
        ]
        verbose_name = _("version")
        verbose_name_plural = _("versions")

    def __str__(self):
        return f"{self.submission.reference} v{self.number}"


def canonical_json(content: dict) -> str:
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_hash(content: dict) -> str:
    return hashlib.sha256(canonical_json(content).encode()).hexdigest()


class SubmissionEvent(models.Model):
    """One step of the workflow: who moved the submission from which status to which."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=16)
    from_status = models.CharField(max_length=16, choices=SubmissionStatus.choices)
    to_status = models.CharField(max_length=16, choices=SubmissionStatus.choices)
    version = models.PositiveIntegerField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True, validators=[validate_plain_text])

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("workflow step")
        verbose_name_plural = _("workflow steps")

    def __str__(self):
        return f"{self.submission.reference}: {self.from_status} → {self.to_status}"


class Comment(models.Model):
    """A private comment between the organization and the coordinators."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(_("comment"), max_length=5000, validators=[validate_plain_text])
    # Written by an anonymous sender who came back with the passphrase (author is empty).
    by_sender = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self):
        return f"{self.submission.reference}: {self.body[:40]}"


class FormToken(models.Model):
    """A form's one-time token: a re-posted form (double click, back button, retry) finds
    its token used and is answered with the result of the first post, never a duplicate."""

    token = models.CharField(max_length=64, unique=True)
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("form token")
        verbose_name_plural = _("form tokens")

    def __str__(self):
        return self.token


class SigningKey(models.Model):
    """A public key the hub signed receipts with. The private half lives in a file outside
    the database (RECEIPT_KEYS_DIR), so a copy of the database cannot forge receipts;
    retired keys stay here so old receipts remain verifiable."""

    key_id = models.CharField(max_length=32, unique=True)
    public_key = models.CharField(max_length=64)  # raw Ed25519 key, base64
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")

    def __str__(self):
        return self.key_id


class Receipt(models.Model):
    """What the authors got when they submitted: the signed statement of which version,
    when, and its hash."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="receipts")
    version = models.PositiveIntegerField()
    payload = models.JSONField()
    key_id = models.CharField(max_length=32)
    signature = models.CharField(max_length=128)
    issued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")

    def __str__(self):
        return f"{self.submission.reference} v{self.version}"

    def document(self) -> dict:
        return {"receipt": self.payload, "key_id": self.key_id, "signature": self.signature}


class AnonymousSender(models.Model):
    """The only trace of an anonymous sender: an Argon2 hash of the passphrase they were
    shown once. No account, no address, no user agent, no e-mail."""

    submission = models.OneToOneField(
        Submission, on_delete=models.CASCADE, related_name="anonymous_sender"
    )
    passphrase_hash = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("anonymous sender")
        verbose_name_plural = _("anonymous senders")

    def __str__(self):
        return f"sender of {self.submission.reference}"


class CoSignerStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    ACCEPTED = "accepted", _("Co-signed")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrew")


class CoSigner(models.Model):
    """Another organization asked to co-sign a submission, and what it answered."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="cosigners")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="cosignatures"
    )
    status = models.CharField(
        max_length=10, choices=CoSignerStatus.choices, default=CoSignerStatus.INVITED
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    invited_at = models.DateTimeField(auto_now_add=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True, validators=[validate_plain_text])
    history = HistoricalRecords()

    class Meta:
        ordering = ["invited_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "organization"], name="cosigner_unique")
        ]
        verbose_name = _("co-signer")
        verbose_name_plural = _("co-signers")

    def __str__(self):
        return f"{self.organization} on {self.submission.reference}: {self.status}"


class Attachment(models.Model):
    """An evidence file. The original is kept privately with its SHA-256 (it is the
    evidence); others only ever get the sanitised copy. Both live under generated names."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(max_length=8)
    original_sha256 = models.CharField(max_length=64)
    original_path = models.CharField(max_length=80)  # relative to ATTACHMENTS_ROOT
    clean_sha256 = models.CharField(max_length=64)
    clean_path = models.CharField(max_length=80)
    safe_filename = models.CharField(max_length=80)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    found_metadata = models.JSONField(default=list)
    removed_metadata = models.JSONField(default=list)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.safe_filename
