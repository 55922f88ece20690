"""Fixtures for the account tests (the steps they share are in helpers.py)."""

import pytest
from django.core.cache import cache

from tests.accounts.helpers import CommittingClient, create_verified_user


@pytest.fixture
def client():
    """Every test in this directory uses the committing client (so do the shared
    `coordinator_client` fixture and friends, which build on `client`)."""
    return CommittingClient()


@pytest.fixture
def make_client():
    """For tests that need a second browser."""
    return CommittingClient


@pytest.fixture(autouse=True)
def empty_cache():
    """Rate-limit counters and used-code markers live in the cache: start from nothing."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def person(django_user_model, db):
    return create_verified_user(django_user_model, "person@example.org")


@pytest.fixture
def coordinator(django_user_model, db):
    """A coordinator WITHOUT a second factor (the shared one has TOTP): these tests add one
    themselves when they need it."""
    from palermo.reviews.roles import ensure_coordinators_group

    user = django_user_model.objects.create_user(
        email="coordinator@example.org", password="x", is_staff=True
    )
    user.groups.add(ensure_coordinators_group())
    return user
