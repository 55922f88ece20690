"""The cast every test can use: a visitor, a coordinator, and the loaded reference data."""

import io

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.core.management import call_command
from django.utils import translation

from palermo.reviews.roles import ensure_coordinators_group


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the real reference data once per test session; tests roll back their own writes."""
    with django_db_blocker.unblock():
        call_command("load_reference", stdout=io.StringIO())


@pytest.fixture
def coordinator(django_user_model, db):
    user = django_user_model.objects.create_user(
        email="coordinator@example.org", password="x", is_staff=True
    )
    user.groups.add(ensure_coordinators_group())
    # Coordinator powers need a second factor (palermo/accounts/permissions.py).
    TOTP.activate(user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    return user


@pytest.fixture
def member(django_user_model, db):
    """A signed-in person with no coordinator role."""
    return django_user_model.objects.create_user(email="member@example.org", password="x")


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


@pytest.fixture(autouse=True)
def english_by_default():
    """A request in another language leaves it active in the thread; start each test in
    English so assertions do not depend on test order."""
    translation.activate("en")
    yield
    translation.deactivate()
