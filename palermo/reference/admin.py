from django.contrib import admin
from modeltranslation.admin import TabbedTranslationAdmin

from palermo.common.admin import CuratedAdmin
from palermo.reference.models import (
    Article,
    Cluster,
    Instrument,
    Participation,
    RegionalGroup,
    State,
)


class TranslatedCuratedAdmin(CuratedAdmin, TabbedTranslationAdmin):
    pass


@admin.register(Instrument)
class InstrumentAdmin(TranslatedCuratedAdmin):
    list_display = ("abbreviation", "title", "treaty_series", "confidence", "origin")


@admin.register(Cluster)
class ClusterAdmin(TranslatedCuratedAdmin):
    list_display = ("numeral", "name", "review_order", "name_confidence", "origin")


@admin.register(Article)
class ArticleAdmin(TranslatedCuratedAdmin):
    list_display = ("__str__", "title", "cluster", "cluster_confidence", "origin")
    list_filter = ("instrument", "cluster", "origin")
    search_fields = ("title",)


@admin.register(State)
class StateAdmin(TranslatedCuratedAdmin):
    list_display = ("name", "code", "regional_group", "kind", "origin")
    list_filter = ("regional_group", "kind", "origin")
    search_fields = ("name", "code")


@admin.register(Participation)
class ParticipationAdmin(CuratedAdmin):
    list_display = ("state", "instrument", "status", "date", "confidence", "origin")
    list_filter = ("instrument", "status", "confidence", "origin")
    search_fields = ("state__name", "state__code")
    autocomplete_fields = ("state",)


@admin.register(RegionalGroup)
class RegionalGroupAdmin(TranslatedCuratedAdmin):
    list_display = ("name", "abbreviation", "code", "origin")
