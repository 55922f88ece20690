from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportKind(models.TextChoices):
    COUNTRY_BRIEF = "brief", _("Country brief")
    CLUSTER_SYNTHESIS = "cluster", _("Cluster synthesis")
    GLOBAL_REPORT = "global", _("Global report")


class SnapshotStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to be built")
    BUILDING = "building", _("Being built")
    READY = "ready", _("Published")
    FAILED = "failed", _("Failed to build")


class FeedbackKind(models.TextChoices):
    """Where a recommendation was later cited or acted on."""

    DIALOGUE_SUMMARY = "dialogue", _("Constructive-dialogue summary")
    OBSERVATIONS = "observations", _("List of observations")
    OBSERVATIONS_SUMMARY = "obs_summary", _("Summary of the list of observations")
    STATE_STATEMENT = "statement", _("Statement by the State")
    CONFERENCE_REPORT = "conference", _("Conference report")
    OTHER = "other", _("Other")


class FeedbackStatus(models.TextChoices):
    # Authors propose; a coordinator confirms before it is shown or counted.
    PROPOSED = "proposed", _("Proposed, awaiting review")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Not confirmed")
