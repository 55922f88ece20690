from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from palermo.common.text import validate_plain_text, validate_single_line
from palermo.reports.enums import FeedbackKind, FeedbackStatus, ReportKind, SnapshotStatus


class ImmutableSnapshotError(Exception):
    """A published snapshot is a record: it is never edited, a new one is made instead."""


class ReportSnapshot(models.Model):
    """A report as published on a date: its compiled content and files, and exactly which
    submission versions it was compiled from (`inputs`)."""

    kind = models.CharField(_("kind"), max_length=8, choices=ReportKind.choices)
    state = models.ForeignKey(
        "reference.State", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cluster = models.ForeignKey(
        "reference.Cluster", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # A country brief covers one review phase of its State (None: no review recorded).
    phase = models.PositiveSmallIntegerField(_("review phase"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=200, validators=[validate_single_line])
    note = models.TextField(
        _("editor's note"), blank=True, max_length=2000, validators=[validate_plain_text]
    )
    language = models.CharField(_("language"), max_length=10, default="en")
    # "brief:NGA:4", "cluster:II", "global": editions are numbered within a scope. A plain
    # string, because a unique constraint over nullable State/cluster/phase columns would
    # treat every NULL as different and let two "global" editions share a number.
    scope = models.CharField(max_length=40, editable=False)
    edition = models.PositiveIntegerField(_("edition"))
    status = models.CharField(
        max_length=8, choices=SnapshotStatus.choices, default=SnapshotStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    progress_note = models.CharField(max_length=200, blank=True)
    failure = models.TextField(blank=True)
    as_of = models.DateField(_("data as of"))
    content = models.JSONField(null=True, blank=True)
    content_sha256 = models.CharField(max_length=64, blank=True)
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    docx = models.BinaryField(null=True, blank=True, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("report snapshot")
        verbose_name_plural = _("report snapshots")
        constraints = [
            models.UniqueConstraint(fields=["scope", "edition"], name="one_edition_per_scope")
        ]

    def __str__(self):
        return f"{self.title} ({self.edition})"

    def save(self, *args, **kwargs):
        # Only the build step (services.snapshot_build) writes the published state.
        building = kwargs.pop("_building", False)
        if self.pk and not building:
            stored = ReportSnapshot.objects.filter(pk=self.pk).values_list("status", flat=True)
            if stored and stored[0] == SnapshotStatus.READY:
                raise ImmutableSnapshotError(f"snapshot {self.pk} is published")
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("reports:snapshot_detail", args=[self.pk])

    @staticmethod
    def scope_of(*, kind: str, state=None, cluster=None, phase=None) -> str:
        if kind == ReportKind.COUNTRY_BRIEF:
            return f"{kind}:{state.code}:{phase or '-'}"
        if kind == ReportKind.CLUSTER_SYNTHESIS:
            return f"{kind}:{cluster.numeral}"
        return kind

    @property
    def is_ready(self) -> bool:
        return self.status == SnapshotStatus.READY


class SnapshotInput(models.Model):
    """One submission version a snapshot used, with what the public could see of its
    authors then (tier applied): enough to compile the snapshot again."""

    snapshot = models.ForeignKey(ReportSnapshot, on_delete=models.CASCADE, related_name="inputs")
    version = models.ForeignKey(
        "submissions.SubmissionVersion", on_delete=models.PROTECT, related_name="+"
    )
    reference = models.CharField(max_length=16)
    number = models.PositiveIntegerField()
    content_sha256 = models.CharField(max_length=64)
    header = models.JSONField()

    class Meta:
        ordering = ["reference"]
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "version"], name="one_input_per_version")
        ]

    def __str__(self):
        return f"{self.reference} v{self.number}"


class FeedbackEntry(models.Model):
    """The feedback ledger: where a recommendation was later cited or acted on."""

    recommendation = models.ForeignKey(
        "submissions.Recommendation", on_delete=models.CASCADE, related_name="feedback"
    )
    kind = models.CharField(_("where"), max_length=12, choices=FeedbackKind.choices)
    title = models.CharField(_("document"), max_length=300, validators=[validate_single_line])
    url = models.URLField(_("address (URL)"), max_length=500)
    date = models.DateField(_("date"))
    note = models.TextField(
        _("what it says"), blank=True, max_length=2000, validators=[validate_plain_text]
    )
    status = models.CharField(max_length=10, choices=FeedbackStatus.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("feedback entry")
        verbose_name_plural = _("feedback entries")

    def __str__(self):
        return f"{self.get_kind_display()}: {self.title}"
