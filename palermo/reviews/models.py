from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from palermo.common.enums import DatePrecision
from palermo.common.models import Curated, Sourced
from palermo.reference.models import Cluster, Instrument, State
from palermo.reviews.enums import DocumentKind, DocumentLanguage, Stage, Visibility


class ReviewGroup(Curated, Sourced):
    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    start_date = models.DateField(_("start date"))
    start_precision = models.CharField(max_length=5, choices=DatePrecision.choices)
    # A derived date follows from a rule or a pattern rather than a statement; the pages
    # label it so readers do not take it as announced.
    start_is_derived = models.BooleanField(_("start date derived"), default=False)
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["number"]
        verbose_name = _("review group")
        verbose_name_plural = _("review groups")

    def __str__(self):
        return str(_("Group %(number)s") % {"number": self.number})


class Phase(Curated, Sourced):
    group = models.ForeignKey(ReviewGroup, on_delete=models.PROTECT, related_name="phases")
    number = models.PositiveSmallIntegerField(_("phase"))
    cluster = models.ForeignKey(Cluster, on_delete=models.PROTECT, related_name="phases")
    expected_start = models.DateField(_("expected start"))
    expected_end = models.DateField(_("expected end"))
    is_derived = models.BooleanField(_("dates derived"), default=False)
    basis = models.TextField(_("basis"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["group__number", "number"]
        constraints = [
            models.UniqueConstraint(fields=["group", "number"], name="phase_unique_group_number")
        ]
        verbose_name = _("phase")
        verbose_name_plural = _("phases")

    def __str__(self):
        return f"{self.group} · {self.cluster.numeral}"


class GroupMembership(Curated, Sourced):
    """Which review group a State was drawn into. Unknown for most States: no complete list
    has been published, so a State without a membership says "group unknown"."""

    state = models.OneToOneField(State, on_delete=models.CASCADE, related_name="group_membership")
    group = models.ForeignKey(ReviewGroup, on_delete=models.PROTECT, related_name="memberships")
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("group membership")
        verbose_name_plural = _("group memberships")

    def __str__(self):
        return f"{self.state} → {self.group}"


class CountryReview(models.Model):
    """One State's review in one phase. Its stage and delays are derived (see calendar.py)."""

    state = models.ForeignKey(State, on_delete=models.CASCADE, related_name="reviews")
    phase = models.ForeignKey(Phase, on_delete=models.PROTECT, related_name="reviews")
    history = HistoricalRecords()

    class Meta:
        ordering = ["state__name", "phase__number"]
        constraints = [
            models.UniqueConstraint(fields=["state", "phase"], name="review_unique_state_phase")
        ]
        verbose_name = _("country review")
        verbose_name_plural = _("country reviews")

    def __str__(self):
        return f"{self.state} · {self.phase}"

    def get_absolute_url(self):
        return (
            reverse("reviews:state_detail", args=[self.state.code]) + f"#phase-{self.phase.number}"
        )


class ReviewRecord(Sourced):
    """Fields shared by everything a coordinator records on a review."""

    review = models.ForeignKey(CountryReview, on_delete=models.CASCADE)
    is_demo = models.BooleanField(
        _("demo record"), default=False, help_text=_("Made up for demonstration; shown as demo.")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        abstract = True


class StageEvent(ReviewRecord):
    review = models.ForeignKey(CountryReview, on_delete=models.CASCADE, related_name="events")
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    date = models.DateField(_("date"))
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "stage"], name="event_unique_review_stage")
        ]
        verbose_name = _("stage event")
        verbose_name_plural = _("stage events")

    def __str__(self):
        return f"{self.review}: {self.get_stage_display()} ({self.date})"


class Reviewer(ReviewRecord):
    review = models.ForeignKey(CountryReview, on_delete=models.CASCADE, related_name="reviewers")
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="+")
    reviewing_state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="reviewing")
    history = HistoricalRecords()

    class Meta:
        ordering = ["instrument__order", "reviewing_state__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "instrument", "reviewing_state"], name="reviewer_unique"
            )
        ]
        verbose_name = _("reviewing State")
        verbose_name_plural = _("reviewing States")

    def __str__(self):
        return f"{self.reviewing_state} reviews {self.review.state} ({self.instrument})"


class FocalPoint(ReviewRecord):
    review = models.ForeignKey(CountryReview, on_delete=models.CASCADE, related_name="focal_points")
    name = models.CharField(_("name"), max_length=200)
    position = models.CharField(_("position"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    visibility = models.CharField(
        _("visibility"), max_length=12, choices=Visibility.choices, default=Visibility.RESTRICTED
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("focal point")
        verbose_name_plural = _("focal points")

    def __str__(self):
        return self.name


class ReviewDocument(ReviewRecord):
    review = models.ForeignKey(CountryReview, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    title = models.CharField(_("title"), max_length=300)
    url = models.URLField(_("URL"), max_length=500)
    language = models.CharField(_("language"), max_length=5, choices=DocumentLanguage.choices)
    date = models.DateField(_("date"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-date", "title"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self):
        return self.title
