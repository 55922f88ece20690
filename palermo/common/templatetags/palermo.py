"""Template helpers for showing facts with their confidence and sources."""

import datetime as dt

from django import template
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.common.enums import Confidence, DatePrecision
from palermo.common.models import split_sources

register = template.Library()

_CONFIDENCE_HELP = {
    Confidence.HIGH: gettext_lazy("Stated by the UN or by two independent sources."),
    Confidence.MEDIUM: gettext_lazy("One credible secondary source, or a careful derivation."),
    Confidence.LOW: gettext_lazy("An inference not yet confirmed by a source."),
}


@register.simple_tag
def confidence(level: str):
    """A badge such as "confidence: medium"; nothing for an empty level."""
    if not level:
        return ""
    choice = Confidence(level)
    return format_html(
        '<span class="confidence confidence-{}" title="{}">{}</span>',
        choice.value.lower(),
        _CONFIDENCE_HELP[choice],
        _("confidence: %(level)s") % {"level": str(choice.label).lower()},
    )


@register.simple_tag
def sources(value: str):
    """Numbered links to a fact's sources, opened without a referrer."""
    urls = split_sources(value)
    if not urls:
        return ""
    links = format_html_join(
        " ",
        '<a href="{}" rel="noopener noreferrer nofollow" class="source-link">[{}]</a>',
        ((url, i) for i, url in enumerate(urls, start=1)),
    )
    return format_html('<span class="sources">{} {}</span>', _("Sources:"), links)


@register.filter
def precise_date(value: dt.date | None, precision: str = DatePrecision.DAY):
    """A date shown only as precisely as it is known (a year-only date shows its year)."""
    if not value:
        return ""
    if precision == DatePrecision.YEAR:
        return str(value.year)
    if precision == DatePrecision.MONTH:
        return date_format(value, "YEAR_MONTH_FORMAT")
    return date_format(value, "DATE_FORMAT")


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
