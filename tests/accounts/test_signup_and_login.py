"""Signing up, confirming the address, signing in: passwords, verification, session
rotation, and no way to learn from the answers whether an address has an account."""

import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core import mail

from palermo.audit.enums import AuditAction
from palermo.audit.models import AuditEvent
from tests.accounts.helpers import (
    LOGIN_URL,
    PASSWORD,
    SECURITY_URL,
    sign_in,
    without_csrf_token,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

SIGNUP_URL = "/accounts/signup/"
VERIFICATION_SENT_URL = "/accounts/confirm-email/"
NEW_EMAIL = "new.member@example.org"
CONFIRM_LINK = re.compile(r"http://testserver(/accounts/confirm-email/[-:\w]+/)")


def sign_up(client, password: str, email: str = NEW_EMAIL):
    return client.post(SIGNUP_URL, {"email": email, "password1": password, "password2": password})


def confirmation_path(message) -> str:
    links = CONFIRM_LINK.findall(message.body)
    assert len(links) == 1, message.body
    return links[0]


@pytest.mark.parametrize(
    ("password", "errors"),
    [
        (
            "password123",
            [
                "This password is too short. It must contain at least 12 characters.",
                "This password is too common.",
            ],
        ),
        ("password1234", ["This password is too common."]),
        ("Xq7#mP2!vR", ["This password is too short. It must contain at least 12 characters."]),
        ("839201746512", ["This password is entirely numeric."]),
    ],
)
def test_signup_refuses_weak_passwords_with_a_reason(client, django_user_model, password, errors):
    response = sign_up(client, password)

    assert response.status_code == 200
    assert response.context["form"].errors == {"password1": errors}
    for error in errors:
        assert error in response.content.decode()
    assert not django_user_model.objects.filter(email=NEW_EMAIL).exists()
    assert mail.outbox == []


@pytest.mark.parametrize("length", [64, 200])
def test_long_passwords_work_for_signup_confirmation_and_login(client, django_user_model, length):
    password = ("Long pass phrase, no truncation! " * 7)[:length]
    assert len(password) == length

    response = sign_up(client, password)
    assert response.status_code == 302
    assert response["Location"] == VERIFICATION_SENT_URL

    client.post(confirmation_path(mail.outbox[0]))
    response = sign_in(client, NEW_EMAIL, password)

    assert response.status_code == 302
    assert response["Location"] == SECURITY_URL
    assert client.session["_auth_user_id"] == str(django_user_model.objects.get().pk)


def test_signup_sends_a_verification_mail_whose_link_confirms_the_address(client):
    response = sign_up(client, PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == VERIFICATION_SENT_URL
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [NEW_EMAIL]
    assert message.subject == "[Palermo Hub] Please Confirm Your Email Address"
    assert message.body.startswith("Hello from testserver!")

    link = confirmation_path(message)
    page = client.get(link)
    assert page.status_code == 200
    assert page.context["confirmation"].email_address.email == NEW_EMAIL
    # Opening the link alone confirms nothing (mail scanners follow links); posting does.
    user = get_user_model().objects.get(email=NEW_EMAIL)
    assert list(user.emailaddress_set.values_list("email", "verified")) == [(NEW_EMAIL, False)]

    response = client.post(link)

    assert response.status_code == 302
    assert response["Location"] == LOGIN_URL
    assert list(user.emailaddress_set.values_list("email", "verified")) == [(NEW_EMAIL, True)]
    assert list(
        AuditEvent.objects.filter(target_id=str(user.pk))
        .order_by("id")
        .values_list("action", flat=True)
    ) == [AuditAction.SIGNED_UP, AuditAction.EMAIL_CONFIRMED]


def test_signup_does_not_sign_the_person_in_before_the_address_is_confirmed(client):
    sign_up(client, PASSWORD)

    assert "_auth_user_id" not in client.session
    response = client.get(SECURITY_URL)
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next={SECURITY_URL}"


def test_login_before_verification_is_sent_to_the_verification_notice(client):
    sign_up(client, PASSWORD)

    response = sign_in(client, NEW_EMAIL)

    assert response.status_code == 302
    assert response["Location"] == VERIFICATION_SENT_URL
    assert "_auth_user_id" not in client.session
    assert client.get(SECURITY_URL)["Location"] == f"{LOGIN_URL}?next={SECURITY_URL}"


def test_login_works_once_the_address_is_confirmed(client, django_user_model):
    sign_up(client, PASSWORD)
    client.post(confirmation_path(mail.outbox[0]))

    response = sign_in(client, NEW_EMAIL)

    assert response.status_code == 302
    assert response["Location"] == SECURITY_URL
    user = django_user_model.objects.get(email=NEW_EMAIL)
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get(SECURITY_URL).status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.SIGNED_IN, actor=user).count() == 1


def test_passwords_are_stored_with_argon2_under_the_production_hashers(
    client, settings, django_user_model
):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]

    sign_up(client, PASSWORD)

    stored = django_user_model.objects.get(email=NEW_EMAIL).password
    assert stored.startswith("argon2$argon2id$")
    assert PASSWORD not in stored


def test_the_session_key_changes_at_login(client, person):
    anonymous = client.session
    anonymous["visited"] = True
    anonymous.save()
    before = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert Session.objects.filter(session_key=before).exists()

    sign_in(client, person.email)

    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after != before
    assert client.session["_auth_user_id"] == str(person.pk)
    # The pre-login key is gone on the server, not merely replaced in the browser.
    assert not Session.objects.filter(session_key=before).exists()


def _normalised(response, email: str) -> str:
    return without_csrf_token(response.content.decode()).replace(email, "EMAIL")


def test_a_failed_login_looks_the_same_for_an_existing_and_an_unknown_address(client, person):
    existing = sign_in(client, person.email, "not the right password at all")
    unknown = sign_in(client, "nobody@example.org", "not the right password at all")

    assert existing.status_code == unknown.status_code == 200
    assert existing.context["form"].errors == {
        "__all__": ["The email address and/or password you specified are not correct."]
    }
    assert _normalised(existing, person.email) == _normalised(unknown, "nobody@example.org")


def test_a_password_reset_request_looks_the_same_for_an_existing_and_an_unknown_address(
    client, person
):
    existing = client.post("/accounts/password/reset/", {"email": person.email})
    unknown = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})

    assert existing.status_code == unknown.status_code == 302
    assert existing["Location"] == unknown["Location"] == "/accounts/password/reset/done/"
    assert existing.content == unknown.content == b""
    # Only the mailboxes learn the difference: a reset link, or "no such account".
    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([person.email], "[Palermo Hub] Password Reset Email"),
        (["nobody@example.org"], "[Palermo Hub] Unknown Account"),
    ]


def test_signing_up_with_a_taken_address_looks_like_a_normal_signup(client, person):
    taken = sign_up(client, PASSWORD, email=person.email)
    fresh = sign_up(client, PASSWORD, email=NEW_EMAIL)

    assert taken.status_code == fresh.status_code == 302
    assert taken["Location"] == fresh["Location"] == VERIFICATION_SENT_URL
    assert get_user_model().objects.filter(email=person.email).count() == 1
    assert [m.to for m in mail.outbox] == [[person.email], [NEW_EMAIL]]
