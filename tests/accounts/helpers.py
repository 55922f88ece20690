"""Shared steps for the account tests: the real sign-in and second-factor forms, and a
client that lets after-commit work happen."""

import re
from urllib.parse import quote

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.test import Client, TestCase

PASSWORD = "correct horse battery staple 42"
NEW_PASSWORD = "a different, equally long passphrase 7"
LOGIN_URL = "/accounts/login/"
MFA_AUTHENTICATE_URL = "/accounts/2fa/authenticate/"
TOTP_ACTIVATE_URL = "/accounts/2fa/totp/activate/"
SECURITY_URL = "/accounts/security/"
REAUTHENTICATE_URL = "/accounts/reauthenticate/"


class CommittingClient(Client):
    """A test client whose requests run their on-commit callbacks before returning.

    Tests run inside a transaction that never commits, so without this the verification
    mail (sent through `transaction.on_commit`, see palermo/accounts/adapter.py) and the
    second-factor signals (allauth sends them on commit) would never happen."""

    def request(self, **request):
        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().request(**request)


def create_verified_user(django_user_model, email: str, password: str = PASSWORD, **extra):
    """An account whose address is already confirmed, as after a completed sign-up."""
    user = django_user_model.objects.create_user(email=email, password=password, **extra)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def sign_in(client, email: str, password: str = PASSWORD):
    """Post the real login form; returns the response (not followed)."""
    return client.post(LOGIN_URL, {"login": email, "password": password})


def current_totp_code(secret: str) -> str:
    """The code an authenticator app shows right now (the tolerance is 0, so one code)."""
    counters = list(yield_hotp_counters_from_time())
    assert len(counters) == 1
    return format_hotp_value(hotp_value(secret, counters[0]))


def activate_totp(client, password: str = PASSWORD) -> str:
    """Set up TOTP through the real form, as a person holding an authenticator app would.

    allauth asks for the password again first (even right after signing in), then the
    activation page keeps the new secret in the session (allauth's `mfa.totp.secret`
    key) until a correct code is posted. Returns the secret."""
    response = client.get(TOTP_ACTIVATE_URL)
    assert response.status_code == 302
    assert response["Location"] == f"{REAUTHENTICATE_URL}?next={quote(TOTP_ACTIVATE_URL, safe='')}"
    response = client.post(response["Location"], {"password": password})
    assert response.status_code == 302
    assert response["Location"] == TOTP_ACTIVATE_URL
    response = client.get(TOTP_ACTIVATE_URL)
    assert response.status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    assert response.context["form"].secret == secret
    response = client.post(TOTP_ACTIVATE_URL, {"code": current_totp_code(secret)})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/recovery-codes/"
    return secret


def recovery_codes_of(user) -> list[str]:
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    return authenticator.wrap().get_unused_codes()


CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def without_csrf_token(html: str) -> str:
    return CSRF_INPUT.sub('name="csrfmiddlewaretoken" value="…"', html)
