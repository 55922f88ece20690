import base64
import hashlib
import hmac

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal.ratelimit import truncate_ip
from allauth.mfa.adapter import DefaultMFAAdapter
from cryptography.fernet import Fernet
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.db import transaction

from palermo.common.tasks import send_email


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render now, send from the task worker after the transaction commits, so a slow
        or failing mail server never blocks or breaks a sign-in."""
        request = context.get("request") or self.request
        defaults = {"request": request, "email": email}
        if request is not None:
            # allauth's own send_mail adds the site; its mail templates greet with its name.
            defaults["current_site"] = get_current_site(request)
        message = self.render_mail(template_prefix, email, {**defaults, **context})
        html = next(
            (
                content
                for content, mimetype in getattr(message, "alternatives", [])
                if mimetype == "text/html"
            ),
            None,
        )
        transaction.on_commit(
            lambda: send_email.enqueue(
                subject=message.subject, body=message.body, to=list(message.to), html=html
            )
        )

    def get_client_ip(self, request) -> str:
        """Rate limits are keyed per address, but the address itself is never kept: the
        cache only sees a keyed hash of it (the /64 for IPv6), changing with SECRET_KEY."""
        address = truncate_ip(super().get_client_ip(request))
        return hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()[
            :32
        ]

    def is_open_for_signup(self, request) -> bool:
        return settings.ACCOUNT_SIGNUP_OPEN


def _fernet() -> Fernet:
    secret = settings.MFA_ENCRYPTION_KEY or settings.SECRET_KEY
    key = hashlib.sha256(b"palermo-hub-mfa:" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


class MfaAdapter(DefaultMFAAdapter):
    """Second-factor secrets are encrypted at rest."""

    def encrypt(self, text: str) -> str:
        return _fernet().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        return _fernet().decrypt(encrypted_text.encode()).decode()
