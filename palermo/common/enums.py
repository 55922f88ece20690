from django.db import models
from django.utils.translation import gettext_lazy as _


class Confidence(models.TextChoices):
    """How sure we are of a fact (see shared/reference/README.md).

    H: stated by the UN or two independent sources; M: one credible secondary source or a
    careful derivation; L: an inference not confirmed by a source."""

    HIGH = "H", _("High")
    MEDIUM = "M", _("Medium")
    LOW = "L", _("Low")


class DatePrecision(models.TextChoices):
    DAY = "day", _("Day")
    MONTH = "month", _("Month")
    YEAR = "year", _("Year")


class Origin(models.TextChoices):
    """Where a curated row's current values come from, in rising precedence: a load never
    overwrites values of a higher precedence than its own unless told to."""

    IMPORT = "import", _("Reference import")
    UNTC = "untc", _("UN Treaty Collection import")
    CORRECTION = "correction", _("Coordinator correction")

    @property
    def precedence(self) -> int:
        return list(Origin).index(self)
