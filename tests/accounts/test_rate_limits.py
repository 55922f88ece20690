"""Brute-force protection at sign-in, and rate-limit counters that never hold an address.

ACCOUNT_RATE_LIMITS: "login_failed": "10/m/ip,5/5m/key" (five failures per account in five
minutes, ten per address per minute) and "login": "30/m/ip"."""

import base64
import datetime as dt
import pickle

import pytest
from django.db import connection
from django.test import RequestFactory

from palermo.accounts.adapter import AccountAdapter
from tests.accounts.helpers import LOGIN_URL, SECURITY_URL, create_verified_user, sign_in

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

WRONG = "certainly not the password"
NOT_CORRECT = {"__all__": ["The email address and/or password you specified are not correct."]}
TOO_MANY = {"__all__": ["Too many failed login attempts. Try again later."]}
CLIENT_ADDRESS = "127.0.0.1"  # the Django test client's REMOTE_ADDR


@pytest.fixture(autouse=True)
def still_clock(time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False)
    return time_machine


def fail_to_sign_in(client, email: str, times: int) -> None:
    for _ in range(times):
        response = sign_in(client, email, WRONG)
        assert response.status_code == 200
        assert response.context["form"].errors == NOT_CORRECT


def test_the_sixth_failure_for_one_account_within_five_minutes_is_throttled(client, person):
    fail_to_sign_in(client, person.email, 5)

    response = sign_in(client, person.email, WRONG)

    assert response.status_code == 200
    assert response.context["form"].errors == TOO_MANY
    assert "Too many failed login attempts. Try again later." in response.content.decode()


def test_a_throttled_account_refuses_even_the_right_password(client, person):
    fail_to_sign_in(client, person.email, 5)

    response = sign_in(client, person.email)

    assert response.context["form"].errors == TOO_MANY
    assert "_auth_user_id" not in client.session


def test_the_throttle_lifts_after_five_minutes(client, person, still_clock):
    fail_to_sign_in(client, person.email, 5)
    still_clock.shift(dt.timedelta(minutes=5, seconds=1))

    response = sign_in(client, person.email)

    assert response.status_code == 302
    assert response["Location"] == SECURITY_URL


def test_throttling_one_account_leaves_other_accounts_alone(client, person, django_user_model):
    other = create_verified_user(django_user_model, "other@example.org")
    fail_to_sign_in(client, person.email, 5)

    response = sign_in(client, other.email)

    assert response.status_code == 302
    assert response["Location"] == SECURITY_URL


def test_the_throttle_is_per_account_whatever_the_address(client, person, make_client):
    fail_to_sign_in(client, person.email, 5)
    elsewhere = make_client(REMOTE_ADDR="198.51.100.7")

    response = sign_in(elsewhere, person.email)

    assert response.context["form"].errors == TOO_MANY


def test_ten_failures_from_one_address_throttle_it_for_any_account(client, make_client):
    for number in range(10):
        fail_to_sign_in(client, f"guess-{number}@example.org", 1)

    throttled = sign_in(client, "guess-10@example.org", WRONG)
    elsewhere = sign_in(make_client(REMOTE_ADDR="198.51.100.7"), "guess-10@example.org", WRONG)

    assert throttled.context["form"].errors == TOO_MANY
    assert elsewhere.context["form"].errors == NOT_CORRECT


def test_a_flood_of_login_posts_from_one_address_is_answered_with_429(client):
    statuses = [
        client.post(LOGIN_URL, {"login": f"flood-{n}@example.org", "password": WRONG}).status_code
        for n in range(31)
    ]

    assert statuses == [200] * 30 + [429]


def _cache_rows() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key, value FROM palermo_cache")
        return list(cursor.fetchall())


def test_the_rate_limit_cache_holds_a_keyed_hash_of_the_address_never_the_address(client, person):
    fail_to_sign_in(client, person.email, 5)
    sign_in(client, person.email, WRONG)

    rows = _cache_rows()
    address_hash = AccountAdapter().get_client_ip(
        RequestFactory().get("/", REMOTE_ADDR=CLIENT_ADDRESS)
    )

    # Not vacuous: the per-address counters are there, under the hash.
    assert sorted(key for key, _ in rows if address_hash in key) == [
        ":1:allauth:rl:allauth.account:login:30/60/ip:ip:" + address_hash,
        ":1:allauth:rl:allauth.account:login_failed:10/60/ip:ip:" + address_hash,
    ]
    assert len(address_hash) == 32
    for key, stored in rows:
        decoded = repr(pickle.loads(base64.b64decode(stored)))  # DatabaseCache's encoding
        for text in (key, stored, decoded):
            assert CLIENT_ADDRESS not in text
            assert person.email not in text
