"""Account mail leaves through the `send_email` task, after the transaction commits, so a
slow or failing mail server never blocks or breaks a sign-up or sign-in."""

import pytest
from django.core import mail
from django.test import Client
from django_tasks import task_backends
from django_tasks.backends.dummy import DummyBackend

from palermo.common.tasks import send_email

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

SIGNUP = {
    "email": "queued@example.org",
    "password1": "correct horse battery staple 42",
    "password2": "correct horse battery staple 42",
}


@pytest.fixture
def queued_tasks(settings):
    """Tasks are only recorded (as by the database queue before a worker picks them up)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    backend = task_backends["default"]
    assert isinstance(backend, DummyBackend)
    return backend


def test_signup_enqueues_the_verification_mail_and_sends_nothing_yet(client, queued_tasks):
    response = client.post("/accounts/signup/", SIGNUP)

    assert response.status_code == 302
    assert mail.outbox == []
    (result,) = queued_tasks.results
    assert result.task.module_path == send_email.module_path
    assert result.args == []
    assert sorted(result.kwargs) == ["body", "html", "subject", "to"]
    assert result.kwargs["to"] == ["queued@example.org"]
    assert result.kwargs["subject"] == "[Palermo Hub] Please Confirm Your Email Address"
    assert "http://testserver/accounts/confirm-email/" in result.kwargs["body"]
    assert result.kwargs["html"] is None


def test_the_queued_mail_is_sent_when_the_task_runs(client, queued_tasks):
    client.post("/accounts/signup/", SIGNUP)
    (result,) = queued_tasks.results

    sent = result.task.call(*result.args, **result.kwargs)

    assert sent == 1
    (message,) = mail.outbox
    assert (message.to, message.subject, message.body) == (
        ["queued@example.org"],
        result.kwargs["subject"],
        result.kwargs["body"],
    )


def test_nothing_is_enqueued_until_the_transaction_commits(
    queued_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as on_commit:
        Client().post("/accounts/signup/", SIGNUP)  # a plain client: nothing commits

    assert queued_tasks.results == []
    assert mail.outbox == []

    for callback in on_commit:  # what a commit would do
        callback()

    assert [r.kwargs["to"] for r in queued_tasks.results] == [["queued@example.org"]]
    assert mail.outbox == []


def test_with_the_immediate_backend_the_mail_arrives_during_the_request(client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

    client.post("/accounts/signup/", SIGNUP)

    (message,) = mail.outbox
    assert message.to == ["queued@example.org"]
    assert message.subject == "[Palermo Hub] Please Confirm Your Email Address"
