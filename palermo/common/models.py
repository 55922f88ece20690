import re

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from palermo.common.enums import Confidence, Origin

_SOURCE_SPLIT = re.compile(r"\s*;\s*|\s+")


def split_sources(value: str) -> list[str]:
    return [part for part in _SOURCE_SPLIT.split(value or "") if part]


def validate_sources(value: str) -> None:
    """One or more http(s) URLs separated by ";" or white space."""
    urls = split_sources(value)
    if not urls:
        raise ValidationError(_("Give at least one source URL."))
    check = URLValidator(schemes=["http", "https"])
    for url in urls:
        try:
            check(url)
        except ValidationError:
            raise ValidationError(
                _("%(url)s is not an http(s) URL."), params={"url": url[:200]}
            ) from None


class Sourced(models.Model):
    """A fact with where it comes from and how sure we are of it."""

    sources = models.TextField(
        _("sources"),
        validators=[validate_sources],
        help_text=_("One or more http(s) URLs, separated by ';'."),
    )
    confidence = models.CharField(_("confidence"), max_length=1, choices=Confidence.choices)

    class Meta:
        abstract = True

    @property
    def source_urls(self) -> list[str]:
        return split_sources(self.sources)


class Curated(models.Model):
    """A row loaded from the curated reference files that coordinators may correct.

    `origin` records whether the current values are the import's or a coordinator's; the
    loader never overwrites a correction unless told to (see palermo/common/loading.py)."""

    origin = models.CharField(
        _("origin"), max_length=12, choices=Origin.choices, default=Origin.IMPORT, editable=False
    )

    class Meta:
        abstract = True
