from django.db import models
from django.utils.translation import gettext_lazy as _


class ParticipationStatus(models.TextChoices):
    PARTY = "party", _("Party")
    SIGNATORY = "signatory", _("Signatory")
    NOT_PARTY = "not_party", _("Not party")
    UNKNOWN = "unknown", _("Status unknown")


class ParticipationAction(models.TextChoices):
    RATIFICATION = "ratification", _("Ratification")
    ACCESSION = "accession", _("Accession")
    ACCEPTANCE = "acceptance", _("Acceptance")
    APPROVAL = "approval", _("Approval")
    SUCCESSION = "succession", _("Succession")
    SIGNATURE = "signature", _("Signature")
    NONE = "", _("Not recorded")


class StateKind(models.TextChoices):
    UN_MEMBER = "un_member", _("UN Member State")
    NON_MEMBER = "non_member", _("Non-member State")
    ORGANIZATION = "organization", _("Regional economic integration organization")


class TopicPillar(models.TextChoices):
    MARKET = "market", _("Criminal market")
    RESILIENCE = "resilience", _("Resilience")
