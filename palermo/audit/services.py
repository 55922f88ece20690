from django.db import models

from palermo.audit.enums import AuditAction
from palermo.audit.models import AuditEvent

# Keys that must never reach the audit log, whatever a caller passes.
_FORBIDDEN = {
    "password",
    "token",
    "code",
    "secret",
    "ip",
    "ip_address",
    "user_agent",
    "message",
    "body",
}


def audit_record(
    *,
    actor,
    action: AuditAction,
    target: models.Model | None = None,
    organization=None,
    details: dict | None = None,
) -> AuditEvent:
    """Append an audit event. `details` keeps only short, non-secret values."""
    clean = {
        key: value
        for key, value in (details or {}).items()
        if key.lower() not in _FORBIDDEN and isinstance(value, (str, int, bool, list))
    }
    return AuditEvent.objects.create(
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        action=action,
        target_type=target._meta.model_name if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=str(target)[:200] if target is not None else "",
        organization=organization,
        details=clean,
    )
