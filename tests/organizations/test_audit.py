"""The audit log: coordinators filter it; it holds no secrets; it is append-only."""

import datetime as dt
import logging
import re
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from palermo.audit.enums import AuditAction
from palermo.audit.models import AuditEvent
from palermo.audit.services import audit_record
from palermo.organizations.models import Invitation
from palermo.organizations.services import invitation_create
from tests.organizations.helpers import (
    LOGIN_URL,
    MFA_AUTHENTICATE_URL,
    PASSWORD,
    TOTP_SECRET,
    CommittingClient,
    current_totp_code,
    make_user,
    signed_in,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

AUDIT_URL = "/coordination/audit/"


def at(when: str):
    return timezone.make_aware(dt.datetime.fromisoformat(when), dt.UTC)


@pytest.fixture
def history(observatorio, pending_org, org_owner, coord):
    """Three dated events, recorded as the app records them (the clock is set, not the rows
    rewritten: audit events cannot be changed once saved)."""

    def record(when, **kwargs):
        with mock.patch.object(timezone, "now", lambda: at(when)):
            return audit_record(**kwargs)

    return {
        "created": record(
            "2026-01-10T12:00:00",
            actor=org_owner,
            action=AuditAction.ORGANIZATION_CREATED,
            target=observatorio,
            organization=observatorio,
        ),
        "verified": record(
            "2026-02-15T09:30:00",
            actor=coord,
            action=AuditAction.ORGANIZATION_VERIFIED,
            target=pending_org,
            organization=pending_org,
        ),
        "joined": record(
            "2026-03-20T18:45:00",
            actor=org_owner,
            action=AuditAction.MEMBER_JOINED,
            target=observatorio.memberships.first(),
            organization=observatorio,
            details={"role": "member"},
        ),
    }


@pytest.fixture
def coordinator(coord):
    return signed_in(coord)


def shown(response) -> set[int]:
    assert response.status_code == 200
    return {event.pk for event in response.context["page"].object_list}


def test_the_audit_log_filters_by_action_organization_and_dates(history, coordinator):
    ids = {name: event.pk for name, event in history.items()}

    by_action = coordinator.get(AUDIT_URL, {"action": "org_verified"})
    by_organization = coordinator.get(AUDIT_URL, {"organization": "observatorio-norte"})
    by_dates = coordinator.get(AUDIT_URL, {"since": "2026-02-01", "until": "2026-02-28"})
    by_start = coordinator.get(
        AUDIT_URL, {"since": "2026-03-20", "organization": "observatorio-norte"}
    )
    by_end = coordinator.get(AUDIT_URL, {"until": "2026-01-10"})
    combined = coordinator.get(
        AUDIT_URL, {"action": "member_joined", "organization": "colectivo-pendiente"}
    )

    assert shown(by_action) == {ids["verified"]}
    assert shown(by_organization) == {ids["created"], ids["joined"]}
    assert shown(by_dates) == {ids["verified"]}
    assert shown(by_start) == {ids["joined"]}  # both bounds are inclusive
    assert shown(by_end) == {ids["created"]}
    assert shown(combined) == set()
    row = re.search(r"<tr><td>2026-02-15 09:30</td>.*?</tr>", by_action.content.decode())
    assert row.group() == (
        "<tr><td>2026-02-15 09:30</td><td>coord@example.org</td><td>Organization verified</td>"
        "<td>organization Colectivo Pendiente</td><td>Colectivo Pendiente</td><td></td></tr>"
    )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"since": "29/11/2026"}, "“Since” must be a date like 2026-11-29."),
        ({"until": "2026-02-30"}, "“Until” must be a date like 2026-11-29."),
        ({"since": "yesterday'--"}, "“Since” must be a date like 2026-11-29."),
        ({"action": "drop_table"}, "Unknown action “drop_table”."),
    ],
)
def test_a_bad_filter_is_a_400_with_a_message(history, coordinator, params, message):
    response = coordinator.get(AUDIT_URL, params)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_no_audit_event_holds_a_password_code_token_or_address(
    django_user_model, observatorio, org_owner, coord
):
    address, forwarded, agent = "203.0.113.77", "198.51.100.23", "Marker-Agent/9.9"
    wrong_password = "not the right one, Zq81"

    def browser():
        return CommittingClient(
            REMOTE_ADDR=address, HTTP_X_FORWARDED_FOR=forwarded, HTTP_USER_AGENT=agent
        )

    person = make_user(django_user_model, "person@example.org")
    # A sign-in with a password, and a failed one.
    signing_in = browser()
    assert (
        signing_in.post(LOGIN_URL, {"login": person.email, "password": PASSWORD})["Location"]
        == "/accounts/security/"
    )
    failed = browser().post(LOGIN_URL, {"login": person.email, "password": wrong_password})
    assert failed.status_code == 200
    # A coordinator's sign-in with a TOTP code.
    coordinator = browser()
    step = coordinator.post(LOGIN_URL, {"login": coord.email, "password": PASSWORD})
    assert step["Location"] == MFA_AUTHENTICATE_URL
    codes = []
    for _attempt in range(2):  # a code read just before the 30-second boundary expires
        codes.append(current_totp_code())
        second_step = coordinator.post(MFA_AUTHENTICATE_URL, {"code": codes[-1]})
        if second_step.status_code == 302:
            break
    assert second_step["Location"] == "/accounts/security/"
    # An invitation sent and accepted.
    owner = browser()
    owner.force_login(org_owner)
    mail.outbox.clear()
    owner.post(
        "/organizations/observatorio-norte/members/invite/",
        {"email": person.email, "role": "member"},
    )
    token = re.search(r"/invitations/([A-Za-z0-9_-]+)/", mail.outbox[0].body).group(1)
    assert signing_in.post(f"/invitations/{token}/").status_code == 302
    token_hash = Invitation.objects.get(email=person.email).token_hash

    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        AuditAction.SIGNED_IN,
        AuditAction.SIGN_IN_FAILED,
        AuditAction.INVITATION_SENT,
        AuditAction.MEMBER_JOINED,
    } <= actions
    assert AuditEvent.objects.filter(action=AuditAction.SIGNED_IN, actor=coord).exists()
    secrets = {
        "password": PASSWORD,
        "wrong password": wrong_password,
        **{f"TOTP code {n}": code for n, code in enumerate(codes)},
        "TOTP secret": TOTP_SECRET,
        "invitation token": token,
        "token hash": token_hash,
        "address": address,
        "forwarded address": forwarded,
        "loopback address": "127.0.0.1",
        "user agent": agent,
    }
    for event in AuditEvent.objects.all():
        # Everything stored except the server's own timestamp (whose microseconds could
        # match a six-digit code by chance).
        stored = AuditEvent.objects.filter(pk=event.pk).values().get()
        stored.pop("created_at")
        text = repr(stored)
        for name, secret in secrets.items():
            assert secret not in text, (name, event.action, text)
    failure = AuditEvent.objects.get(action=AuditAction.SIGN_IN_FAILED)
    assert (failure.actor, failure.target_label, failure.details) == (None, "", {})


def test_secret_keys_passed_by_a_caller_are_dropped(observatorio):
    event = audit_record(
        actor=None,
        action=AuditAction.ORGANIZATION_UPDATED,
        organization=observatorio,
        details={
            "fields": ["name"],
            "password": "x",
            "Token": "y",
            "ip": "203.0.113.9",
            "user_agent": "z",
            "message": "private",
            "nested": {"a": 1},
        },
    )
    assert event.details == {"fields": ["name"]}


def test_an_audit_event_cannot_be_changed_once_saved(observatorio, org_owner):
    event = audit_record(
        actor=org_owner,
        action=AuditAction.ORGANIZATION_CREATED,
        target=observatorio,
        organization=observatorio,
    )
    event.action = AuditAction.ORGANIZATION_VERIFIED
    event.details = {"covered": "up"}

    with pytest.raises(ValueError, match="Audit events are append-only"):
        event.save()

    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.action, stored.details) == (AuditAction.ORGANIZATION_CREATED, {})


def test_audit_events_cannot_be_rewritten_in_bulk(observatorio, org_owner):
    event = audit_record(
        actor=org_owner,
        action=AuditAction.ORGANIZATION_CREATED,
        target=observatorio,
        organization=observatorio,
    )
    with pytest.raises(Exception):  # noqa: B017 - any refusal will do
        AuditEvent.objects.filter(pk=event.pk).update(action=AuditAction.ORGANIZATION_VERIFIED)
    assert AuditEvent.objects.get(pk=event.pk).action == AuditAction.ORGANIZATION_CREATED


def test_no_log_record_holds_an_open_invitation_token(observatorio, org_owner, outsider, caplog):
    token = invitation_create(
        organization=observatorio, by=org_owner, email="someone@example.org", role="member"
    )
    with caplog.at_level(logging.DEBUG):
        refused = signed_in(outsider).post(f"/invitations/{token}/")
    assert refused.status_code == 400
    assert Invitation.objects.get(email="someone@example.org").is_open
    assert token not in caplog.text
