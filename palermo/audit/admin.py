from django.contrib import admin

from palermo.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only, even for administrators."""

    list_display = ["created_at", "actor", "action", "target_type", "target_label", "organization"]
    list_filter = ["action"]
    search_fields = ["actor__email", "target_label"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
