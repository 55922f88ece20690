from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from palermo.common.admin import CuratedAdmin, RecordedAdmin
from palermo.reviews.models import (
    CountryReview,
    FocalPoint,
    GroupMembership,
    Phase,
    ReviewDocument,
    Reviewer,
    ReviewGroup,
    StageEvent,
)


@admin.register(ReviewGroup)
class ReviewGroupAdmin(CuratedAdmin):
    list_display = ("number", "start_date", "start_precision", "start_is_derived", "origin")


@admin.register(Phase)
class PhaseAdmin(CuratedAdmin):
    list_display = ("group", "number", "cluster", "expected_start", "is_derived", "origin")


@admin.register(GroupMembership)
class GroupMembershipAdmin(CuratedAdmin):
    list_display = ("state", "group", "confidence", "origin")
    list_filter = ("group",)
    autocomplete_fields = ("state",)


class StageEventInline(admin.TabularInline):
    model = StageEvent
    extra = 0
    fields = ("stage", "date", "sources", "confidence", "is_demo", "recorded_by")
    readonly_fields = ("recorded_by",)


@admin.register(CountryReview)
class CountryReviewAdmin(SimpleHistoryAdmin):
    list_display = ("state", "phase")
    list_filter = ("phase__group", "phase__number")
    search_fields = ("state__name", "state__code")
    inlines = [StageEventInline]

    def save_formset(self, request, form, formset, change):
        for obj in formset.save(commit=False):
            if not obj.recorded_by_id:
                obj.recorded_by = request.user
            obj.save()
        for obj in formset.deleted_objects:
            obj.delete()


@admin.register(StageEvent)
class StageEventAdmin(RecordedAdmin):
    list_display = ("review", "stage", "date", "confidence", "is_demo", "recorded_by")
    list_filter = ("stage", "is_demo")
    autocomplete_fields = ("review",)


@admin.register(Reviewer)
class ReviewerAdmin(RecordedAdmin):
    list_display = ("review", "instrument", "reviewing_state", "is_demo")
    autocomplete_fields = ("review", "reviewing_state")


@admin.register(FocalPoint)
class FocalPointAdmin(RecordedAdmin):
    list_display = ("name", "review", "visibility", "is_demo")
    list_filter = ("visibility", "is_demo")
    autocomplete_fields = ("review",)


@admin.register(ReviewDocument)
class ReviewDocumentAdmin(RecordedAdmin):
    list_display = ("title", "review", "kind", "language", "date", "is_demo")
    list_filter = ("kind", "language", "is_demo")
    autocomplete_fields = ("review",)
