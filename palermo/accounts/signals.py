"""Session bookkeeping and the audit trail of account events."""

import time

from allauth.account.signals import (
    email_confirmed,
    password_changed,
    password_reset,
    user_signed_up,
)
from allauth.mfa.signals import authenticator_added, authenticator_removed, authenticator_reset
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from palermo.accounts.middleware import SESSION_EPOCH, SESSION_STARTED
from palermo.audit.enums import AuditAction
from palermo.audit.services import audit_record


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    request.session[SESSION_STARTED] = time.time()
    request.session[SESSION_EPOCH] = user.session_epoch
    audit_record(actor=user, action=AuditAction.SIGNED_IN, target=user)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_record(actor=user, action=AuditAction.SIGNED_OUT, target=user)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    # The attempted address is not recorded: it may be a typo revealing someone else's.
    audit_record(actor=None, action=AuditAction.SIGN_IN_FAILED)


@receiver(user_signed_up)
def on_signup(sender, request, user, **kwargs):
    audit_record(actor=user, action=AuditAction.SIGNED_UP, target=user)


@receiver(email_confirmed)
def on_email_confirmed(sender, request, email_address, **kwargs):
    audit_record(
        actor=email_address.user, action=AuditAction.EMAIL_CONFIRMED, target=email_address.user
    )


@receiver(password_changed)
def on_password_changed(sender, request, user, **kwargs):
    audit_record(actor=user, action=AuditAction.PASSWORD_CHANGED, target=user)


@receiver(password_reset)
def on_password_reset(sender, request, user, **kwargs):
    audit_record(actor=user, action=AuditAction.PASSWORD_RESET, target=user)


@receiver(authenticator_added)
def on_mfa_added(sender, request, user, authenticator, **kwargs):
    audit_record(
        actor=user, action=AuditAction.MFA_ADDED, target=user, details={"type": authenticator.type}
    )


@receiver(authenticator_removed)
def on_mfa_removed(sender, request, user, authenticator, **kwargs):
    audit_record(
        actor=user,
        action=AuditAction.MFA_REMOVED,
        target=user,
        details={"type": authenticator.type},
    )


@receiver(authenticator_reset)
def on_mfa_reset(sender, request, user, authenticator, **kwargs):
    audit_record(
        actor=user,
        action=AuditAction.MFA_RECOVERY_CODES_RESET,
        target=user,
        details={"type": authenticator.type},
    )
