"""Admin behaviour shared by the curated reference and tracker models."""

from django.contrib import messages
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin

from palermo.common.enums import Origin


class CuratedAdmin(SimpleHistoryAdmin):
    """Saving a curated row in the admin makes it a coordinator correction, which the
    reference loader keeps unless run with --overwrite-corrections. History records who."""

    def save_model(self, request, obj, form, change):
        if change:
            obj.origin = Origin.CORRECTION
            # Stored, so not translated: history reads the same in every language.
            obj._change_reason = "Coordinator correction"
        super().save_model(request, obj, form, change)
        if change:
            messages.info(
                request,
                _("Saved as a coordinator correction: later reference imports will keep it."),
            )


class RecordedAdmin(SimpleHistoryAdmin):
    """Records on a review remember who entered them."""

    readonly_fields = ("recorded_by", "recorded_at")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)
