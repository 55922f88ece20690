from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from palermo.submissions.models import Submission


@admin.register(Submission)
class SubmissionAdmin(SimpleHistoryAdmin):
    """For administrators to inspect; people change submissions through the site, where
    versions, conflicts and the workflow are enforced."""

    list_display = ["reference", "title", "state", "organization", "status", "version"]
    list_filter = ["status", "tier", "language"]
    search_fields = ["reference", "title"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
