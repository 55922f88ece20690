from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from palermo.audit.enums import AuditAction


class AuditEventQuerySet(models.QuerySet):
    """Refuses bulk rewrites: an audit trail that can be edited proves nothing."""

    def update(self, **kwargs):
        raise ValueError("Audit events are append-only")

    def bulk_update(self, objs, fields, batch_size=None):
        raise ValueError("Audit events are append-only")


class AuditEvent(models.Model):
    """One security-relevant event: who, what, when, on which object.

    Append-only. It never holds passwords, tokens, codes, message contents or network
    addresses: `details` carries only names of fields or roles that changed."""

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    action = models.CharField(_("what"), max_length=32, choices=AuditAction.choices, db_index=True)
    target_type = models.CharField(_("object type"), max_length=40, blank=True)
    target_id = models.CharField(_("object id"), max_length=64, blank=True)
    target_label = models.CharField(_("object"), max_length=200, blank=True)
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organization"),
    )
    details = models.JSONField(_("details"), default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_action_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Audit events are append-only")
        super().save(*args, **kwargs)
