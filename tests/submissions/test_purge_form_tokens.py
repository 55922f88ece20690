"""Old form tokens are purged; recent ones stay, so a re-posted form still replays."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from palermo.submissions.enums import SubmissionStatus
from palermo.submissions.models import FormToken

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def test_tokens_older_than_the_limit_are_deleted(submission_in):
    submission = submission_in(SubmissionStatus.DRAFT)
    old = FormToken.objects.create(token="old" * 10, submission=submission, version=1)
    FormToken.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=31))
    recent = FormToken.objects.create(token="new" * 10, submission=submission, version=1)
    out = io.StringIO()
    call_command("purge_form_tokens", stdout=out)
    assert not FormToken.objects.filter(pk=old.pk).exists()
    assert FormToken.objects.filter(pk=recent.pk).exists()
    assert "1 form tokens older than 30 days deleted" in out.getvalue()


def test_a_limit_under_a_day_is_refused(db):
    with pytest.raises(CommandError, match="at least 1"):
        call_command("purge_form_tokens", "--days", "0")
