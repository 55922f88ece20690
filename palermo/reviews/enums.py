from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    """The observable stages of a country review, in the order they happen."""

    FOCAL_POINT = "focal_point", _("Focal point appointed")
    EXPERTS = "experts", _("Governmental experts appointed")
    SELF_ASSESSMENT = "self_assessment", _("Self-assessment submitted")
    FEEDBACK = "feedback", _("Written feedback from reviewing States")
    OBSERVATIONS = "observations", _("List of observations")
    SUMMARY = "summary", _("Summary published")
    COMPLETED = "completed", _("Review completed")

    @classmethod
    def ordered(cls) -> list["Stage"]:
        return list(cls)

    @property
    def position(self) -> int:
        return list(Stage).index(self)


class Progress(models.TextChoices):
    """A review's derived position, used by the tracker's filters and counts.

    Never stored: computed from the phase dates and the recorded stage events."""

    NOT_STARTED = "not_started", _("Not started")
    STARTED = "started", _("Started, no stage recorded")
    FOCAL_POINT = "focal_point", _("Focal point appointed")
    EXPERTS = "experts", _("Experts appointed")
    SELF_ASSESSMENT = "self_assessment", _("Self-assessment submitted")
    FEEDBACK = "feedback", _("Written feedback received")
    OBSERVATIONS = "observations", _("List of observations")
    SUMMARY = "summary", _("Summary published")
    COMPLETED = "completed", _("Completed")
    GROUP_UNKNOWN = "group_unknown", _("Review group unknown")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    RESTRICTED = "restricted", _("Coordinators only")


class DocumentKind(models.TextChoices):
    SELF_ASSESSMENT = "self_assessment", _("Self-assessment responses")
    FEEDBACK = "feedback", _("Written feedback")
    OBSERVATIONS = "observations", _("List of observations")
    SUMMARY = "summary", _("Summary of the list of observations")
    NOTE_VERBALE = "note_verbale", _("Note verbale")
    STATEMENT = "statement", _("State's statement")
    OTHER = "other", _("Other document")


class DocumentLanguage(models.TextChoices):
    AR = "ar", _("Arabic")
    ZH = "zh", _("Chinese")
    EN = "en", _("English")
    FR = "fr", _("French")
    RU = "ru", _("Russian")
    ES = "es", _("Spanish")
    OTHER = "other", _("Other language")
