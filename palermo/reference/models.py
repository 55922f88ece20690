from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from palermo.common.enums import Confidence, DatePrecision
from palermo.common.models import Curated, Sourced, validate_sources
from palermo.reference.enums import (
    ParticipationAction,
    ParticipationStatus,
    StateKind,
    TopicPillar,
)


class Instrument(Curated, Sourced):
    code = models.SlugField(_("code"), max_length=16, unique=True)
    abbreviation = models.CharField(_("abbreviation"), max_length=16)
    title = models.CharField(_("title"), max_length=300)
    adopted_by = models.CharField(_("adopted by"), max_length=100, blank=True)
    treaty_series = models.CharField(
        _("UN Treaty Collection chapter"), max_length=20, blank=True, help_text="e.g. XVIII-12"
    )
    order = models.PositiveSmallIntegerField(_("order"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["order"]
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")

    def __str__(self):
        return self.abbreviation

    def get_absolute_url(self):
        return reverse("reference:instrument_detail", args=[self.code])


class Cluster(Curated):
    """A thematic cluster of articles, reviewed in one two-year phase.

    The numeral, the name and the phase order are each sourced separately: for clusters
    II-IV the sources disagree or are missing, and the pages must say so."""

    numeral = models.CharField(_("numeral"), max_length=4, unique=True)
    name = models.CharField(_("name"), max_length=200)
    review_order = models.PositiveSmallIntegerField(
        _("review phase"), unique=True, help_text=_("Which of the four phases reviews it.")
    )
    numeral_confidence = models.CharField(max_length=1, choices=Confidence.choices)
    name_confidence = models.CharField(max_length=1, choices=Confidence.choices)
    order_confidence = models.CharField(max_length=1, choices=Confidence.choices)
    sources = models.TextField(_("sources"), blank=True)
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["review_order"]
        verbose_name = _("cluster")
        verbose_name_plural = _("clusters")

    def __str__(self):
        return f"{self.numeral} {self.name}"

    def get_absolute_url(self):
        return reverse("reference:cluster_list") + f"#cluster-{self.numeral}"

    @property
    def is_confirmed(self) -> bool:
        return Confidence.LOW not in (self.numeral_confidence, self.name_confidence)


class Article(Curated, Sourced):
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="articles")
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=300)
    # The cluster assignment is a separate fact with its own source; blank means no source
    # supports one yet ("cluster not yet confirmed"), never a guess.
    cluster = models.ForeignKey(
        Cluster, on_delete=models.PROTECT, null=True, blank=True, related_name="articles"
    )
    cluster_confidence = models.CharField(max_length=1, choices=Confidence.choices, blank=True)
    cluster_sources = models.TextField(_("cluster sources"), blank=True)
    cluster_note = models.TextField(_("cluster note"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["instrument__order", "number"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "number"], name="article_unique_number")
        ]
        verbose_name = _("article")
        verbose_name_plural = _("articles")

    def __str__(self):
        return f"{self.instrument.abbreviation} art. {self.number}"

    def get_absolute_url(self):
        return reverse("reference:article_detail", args=[self.instrument.code, self.number])

    def clean(self):
        # A cluster is a fact like any other: no assignment without its source.
        if self.cluster_id and not (self.cluster_sources and self.cluster_confidence):
            raise ValidationError(
                _("An article's cluster needs its sources and a confidence level.")
            )
        if self.cluster_sources:
            validate_sources(self.cluster_sources)


class RegionalGroup(Curated):
    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    abbreviation = models.CharField(_("abbreviation"), max_length=16)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("UN regional group")
        verbose_name_plural = _("UN regional groups")

    def __str__(self):
        return self.name


class State(Curated):
    # ISO 3166-1 alpha-3. The European Union has none; it uses "EUU" (see
    # docs/decisions/0002-european-union-code.md) and is_iso_code says so.
    code = models.CharField(
        _("code"),
        max_length=3,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{3}$", _("Three capital letters, e.g. NGA."))],
    )
    is_iso_code = models.BooleanField(default=True)
    m49 = models.CharField(_("UN M49 code"), max_length=3, blank=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=16, choices=StateKind.choices)
    regional_group = models.ForeignKey(
        RegionalGroup, on_delete=models.PROTECT, null=True, blank=True, related_name="states"
    )
    regional_group_confidence = models.CharField(
        max_length=1, choices=Confidence.choices, blank=True
    )
    regional_group_sources = models.TextField(blank=True)
    regional_group_note = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("State")
        verbose_name_plural = _("States")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("reviews:state_detail", args=[self.code])


class Participation(Curated, Sourced):
    """A State's status for one instrument, with its source."""

    state = models.ForeignKey(State, on_delete=models.CASCADE, related_name="participations")
    instrument = models.ForeignKey(
        Instrument, on_delete=models.PROTECT, related_name="participations"
    )
    status = models.CharField(_("status"), max_length=12, choices=ParticipationStatus.choices)
    action = models.CharField(
        _("action"), max_length=16, choices=ParticipationAction.choices, blank=True
    )
    date = models.DateField(_("date"), null=True, blank=True)
    date_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    as_of = models.CharField(
        _("as of"), max_length=200, blank=True, help_text=_("How current the source is.")
    )
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["state__name", "instrument__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["state", "instrument"], name="participation_unique_state_instrument"
            )
        ]
        verbose_name = _("participation")
        verbose_name_plural = _("participations")

    def __str__(self):
        return f"{self.state} / {self.instrument}: {self.get_status_display()}"


class Topic(Curated, Sourced):
    """A crime market or resilience area (Global Organized Crime Index taxonomy), used to
    describe what organizations and experts know about."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    pillar = models.CharField(_("pillar"), max_length=12, choices=TopicPillar.choices)
    name = models.CharField(_("name"), max_length=120)
    history = HistoricalRecords()

    class Meta:
        ordering = ["pillar", "name"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self):
        return self.name
