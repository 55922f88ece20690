from django.db import models
from django.utils.translation import gettext_lazy as _


class SubmissionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    INTERNAL_REVIEW = "internal_review", _("Internal review")
    SUBMITTED = "submitted", _("Submitted to the coordinators")
    PUBLISHED = "published", _("Published")
    RETURNED = "returned", _("Returned with comments")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class IdentityTier(models.TextChoices):
    """How the authors are named publicly, chosen per submission and shown before sending."""

    ATTRIBUTED = "attributed", _("Attributed: the organization is named")
    COALITION = "coalition", _("Coalition-shielded: only the coalition or its lead is named")
    PSEUDONYMOUS = (
        "pseudonymous",
        _("Pseudonymous: “a civil-society organization working in <region>”"),
    )
    # Only through /submit/, without an account; never offered to an organization.
    ANONYMOUS = "anonymous", _("Anonymous: sent without an account")


class Addressee(models.TextChoices):
    STATE_UNDER_REVIEW = "state", _("The State under review")
    REVIEWING_STATES = "reviewers", _("The reviewing States")
    SECRETARIAT = "secretariat", _("The secretariat")
    CONFERENCE = "conference", _("The Conference of the Parties")
    OTHER = "other", _("Other")


class Priority(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class SourceKind(models.TextChoices):
    LAW = "law", _("Law or regulation")
    CASE = "case", _("Court case")
    REPORT = "report", _("Report or study")
    DATA = "data", _("Data set")
    MEDIA = "media", _("Media")
    OTHER = "other", _("Other")


class Transition(models.TextChoices):
    """What people do to a submission; each moves it from one status to another."""

    REQUEST_REVIEW = "request_review", _("Ask the organization's editors to approve")
    BACK_TO_DRAFT = "back_to_draft", _("Back to draft")
    APPROVE = "approve", _("Approve and submit to the coordinators")
    PUBLISH = "publish", _("Publish")
    RETURN = "return", _("Return with comments")
    WITHDRAW = "withdraw", _("Withdraw")
