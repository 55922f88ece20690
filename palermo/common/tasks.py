"""Background tasks shared by every app. Tasks are thin: they carry plain data."""

from django.core.mail import EmailMultiAlternatives
from django_tasks import task


@task()
def send_email(*, subject: str, body: str, to: list[str], html: str | None = None) -> int:
    """Send one message. Rendered in the request so the task holds only plain text."""
    message = EmailMultiAlternatives(subject=subject, body=body, to=to)
    if html:
        message.attach_alternative(html, "text/html")
    return message.send()


def mail_after_commit(*, to: list[str], template: str, context: dict) -> None:
    """Render `<template>_subject.txt` and `<template>_message.txt` now (in the active
    language) and send them from the task worker once the transaction commits, so a
    rolled-back change never e-mails anyone."""
    # Imported here: templates need the app registry, tasks are imported early.
    from django.db import transaction
    from django.template.loader import render_to_string

    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    body = render_to_string(f"{template}_message.txt", context)
    transaction.on_commit(lambda: send_email.enqueue(subject=subject, body=body, to=to))
