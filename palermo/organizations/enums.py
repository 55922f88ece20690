from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganizationType(models.TextChoices):
    NGO = "ngo", _("Non-governmental organization")
    COMMUNITY = "community", _("Community-based organization")
    NETWORK = "network", _("Network or coalition")
    ACADEMIA = "academia", _("Academia")
    MEDIA = "media", _("Media")
    PRIVATE = "private", _("Private sector")
    FOUNDATION = "foundation", _("Foundation")


class EcosocStatus(models.TextChoices):
    NONE = "none", _("No ECOSOC status")
    GENERAL = "general", _("General consultative status")
    SPECIAL = "special", _("Special consultative status")
    ROSTER = "roster", _("Roster status")


class VerificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending verification")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")


class MemberRole(models.TextChoices):
    """Ordered: each role can do what the ones before it can."""

    MEMBER = "member", _("Member")
    EDITOR = "editor", _("Editor")
    OWNER = "owner", _("Owner")

    @property
    def rank(self) -> int:
        return list(MemberRole).index(self)


class Availability(models.TextChoices):
    AVAILABLE = "available", _("Available for requests")
    LIMITED = "limited", _("Limited availability")
    UNAVAILABLE = "unavailable", _("Not available at the moment")


class Language(models.TextChoices):
    """Working languages offered in profiles: the six UN languages first, then other
    languages widely used by organizations working on organized crime."""

    AR = "ar", _("Arabic")
    ZH = "zh", _("Chinese")
    EN = "en", _("English")
    FR = "fr", _("French")
    RU = "ru", _("Russian")
    ES = "es", _("Spanish")
    PT = "pt", _("Portuguese")
    DE = "de", _("German")
    IT = "it", _("Italian")
    TR = "tr", _("Turkish")
    FA = "fa", _("Persian")
    UR = "ur", _("Urdu")
    HI = "hi", _("Hindi")
    BN = "bn", _("Bengali")
    ID = "id", _("Indonesian")
    SW = "sw", _("Swahili")
    HA = "ha", _("Hausa")
    UK = "uk", _("Ukrainian")
    OTHER = "other", _("Other")
