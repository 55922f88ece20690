from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from palermo.organizations.models import ExpertProfile, Membership, Organization


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "verification_status", "is_listed", "is_demo", "created_at"]
    list_filter = ["verification_status", "kind", "is_listed", "is_demo"]
    search_fields = ["name", "name_latin", "slug"]
    readonly_fields = ["verification_status", "possible_duplicate_of", "logo"]
    inlines = [MembershipInline]


@admin.register(ExpertProfile)
class ExpertProfileAdmin(SimpleHistoryAdmin):
    list_display = ["name", "is_published", "availability", "is_demo", "updated_at"]
    list_filter = ["is_published", "availability", "is_demo"]
    search_fields = ["name", "headline"]
