"""Coordinators and administrators reach the coordinator pages and the admin only with a
second factor; the admin signs in through the same allauth flow as everyone else."""

import datetime as dt

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.messages import get_messages

from palermo.common.enums import Confidence
from palermo.reviews.enums import Visibility
from palermo.reviews.models import CountryReview, FocalPoint
from tests.accounts.helpers import (
    LOGIN_URL,
    MFA_AUTHENTICATE_URL,
    PASSWORD,
    SECURITY_URL,
    TOTP_ACTIVATE_URL,
    current_totp_code,
    sign_in,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

PROTECTED_PAGES = ["/admin/", "/coordination/organizations/", "/coordination/audit/"]
PUBLIC_PAGES = ["/", "/states/", "/organizations/", "/experts/", SECURITY_URL]
SET_UP_MFA_MESSAGE = (
    "Coordinators must protect their account with a second factor before using "
    "coordinator pages. Set one up now."
)


@pytest.fixture
def coordinator_with_totp(coordinator, time_machine):
    """The shared coordinator, with a password, a confirmed address and TOTP (set up
    through the form in test_mfa.py; created directly here). Returns the secret."""
    time_machine.move_to(dt.datetime(2026, 3, 2, 9, 0, 0, tzinfo=dt.UTC), tick=False)
    coordinator.set_password(PASSWORD)
    coordinator.save()
    EmailAddress.objects.create(user=coordinator, email=coordinator.email, verified=True)
    secret = generate_totp_secret()
    TOTP.activate(coordinator, secret)
    return secret


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.mark.parametrize("path", PROTECTED_PAGES)
def test_a_coordinator_without_mfa_is_sent_to_set_it_up(coordinator_client, path):
    response = coordinator_client.get(path)

    assert response.status_code == 302
    assert response["Location"] == TOTP_ACTIVATE_URL
    assert messages_of(response) == [SET_UP_MFA_MESSAGE]


@pytest.mark.parametrize("path", PROTECTED_PAGES)
def test_an_administrator_without_mfa_is_sent_to_set_it_up(client, django_user_model, path):
    admin = django_user_model.objects.create_superuser(email="root@example.org", password="x")
    client.force_login(admin)

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == TOTP_ACTIVATE_URL


def test_a_staff_member_outside_the_coordinators_needs_mfa_for_the_admin(client, django_user_model):
    """Django lets any staff account into the admin, so the second-factor rule has to
    follow is_staff, not only the coordinators' group."""
    staff = django_user_model.objects.create_user(
        email="staff@example.org", password="x", is_staff=True
    )
    client.force_login(staff)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"] == TOTP_ACTIVATE_URL


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_a_coordinator_without_mfa_still_reaches_ordinary_pages(coordinator_client, path):
    assert coordinator_client.get(path).status_code == 200


def test_a_coordinator_without_mfa_can_reach_the_setup_page(coordinator_client):
    """The setup page itself is exempt (allauth first asks for the password again)."""
    response = coordinator_client.get(TOTP_ACTIVATE_URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/?next=")


def test_a_member_is_not_asked_for_mfa_and_cannot_see_coordinator_pages(client, member):
    client.force_login(member)

    assert client.get("/coordination/audit/").status_code == 404
    assert client.get("/coordination/organizations/").status_code == 404
    admin = client.get("/admin/")
    assert admin["Location"] == "/admin/login/?next=/admin/"
    assert client.get(admin["Location"]).status_code == 403


@pytest.mark.parametrize("path", PROTECTED_PAGES)
def test_a_coordinator_signed_in_with_totp_reaches_the_coordinator_pages(
    client, coordinator, coordinator_with_totp, path
):
    assert sign_in(client, coordinator.email)["Location"] == MFA_AUTHENTICATE_URL
    response = client.post(MFA_AUTHENTICATE_URL, {"code": current_totp_code(coordinator_with_totp)})
    assert response["Location"] == SECURITY_URL

    assert client.get(path).status_code == 200


def test_the_admin_login_page_hands_over_to_the_allauth_login(client):
    response = client.get("/admin/login/?next=/admin/")

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next=%2Fadmin%2F"


def test_the_admin_sends_anonymous_visitors_through_the_same_login_and_code(
    client, coordinator, coordinator_with_totp
):
    admin_login = client.get("/admin/")["Location"]
    assert admin_login == "/admin/login/?next=/admin/"
    allauth_login = client.get(admin_login)["Location"]
    assert allauth_login == f"{LOGIN_URL}?next=%2Fadmin%2F"

    response = client.post(allauth_login, {"login": coordinator.email, "password": PASSWORD})
    assert response["Location"] == MFA_AUTHENTICATE_URL
    assert client.get("/admin/")["Location"] == "/admin/login/?next=/admin/"

    response = client.post(MFA_AUTHENTICATE_URL, {"code": current_totp_code(coordinator_with_totp)})

    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert Authenticator.objects.filter(user=coordinator).count() == 1


RESTRICTED_NAME = "Restricted Contact Q7Z"


@pytest.fixture
def restricted_focal_point(db):
    return FocalPoint.objects.create(
        review=CountryReview.objects.get(state__code="NGA", phase__number=1),
        name=RESTRICTED_NAME,
        email="restricted-q7z@example.org",
        visibility=Visibility.RESTRICTED,
        sources="https://example.org/fp",
        confidence=Confidence.HIGH,
    )


def test_a_coordinator_with_totp_sees_restricted_focal_points(
    client, coordinator, coordinator_with_totp, restricted_focal_point
):
    sign_in(client, coordinator.email)
    client.post(MFA_AUTHENTICATE_URL, {"code": current_totp_code(coordinator_with_totp)})

    assert RESTRICTED_NAME in client.get("/states/NGA/").content.decode()
    assert RESTRICTED_NAME in client.get("/api/v1/states/NGA").content.decode()


@pytest.mark.parametrize("path", ["/states/NGA/", "/api/v1/states/NGA"])
def test_a_coordinator_without_mfa_does_not_see_restricted_focal_points(
    coordinator_client, restricted_focal_point, path
):
    body = coordinator_client.get(path).content.decode()

    assert RESTRICTED_NAME not in body
    assert "restricted-q7z@example.org" not in body
