"""Builders and checks shared by the submission tests (the cast is in conftest.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from html.parser import HTMLParser

from django.utils import timezone

from palermo.reference.models import Article, Cluster, Instrument, State
from palermo.submissions import services
from palermo.submissions.enums import IdentityTier, SubmissionStatus
from palermo.submissions.models import Submission

# A name that appears nowhere else: finding it on a page means the organization was named.
ORG_MARKER = "Observatorio Zq7-Marker"
ORG_SLUG = "observatorio-zq7"
REGION_TEXT = "A civil-society organization working in African States"

LAW = "Article 5 is in the Penal Code.\nSection 12 covers conspiracy.\nNo rule on the offence."
PRACTICE = "Few cases reach court.\nThe evidence: court statistics for 2023."


# --- Reading forms the way a browser submits them ----------------------------------------


class _FormReader(HTMLParser):
    """Collects, per <form>, what a browser would send: named inputs (checked boxes and radio
    buttons only), textareas and selected options. Disabled fields are not sent."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: str | None = None
        self._select_disabled = False

    def _add(self, name, value):
        self._form["fields"].setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self._form = {
                "action": attributes.get("action") or "",
                "method": (attributes.get("method") or "get").lower(),
                "fields": {},
            }
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = attributes.get("name")
        disabled = "disabled" in attributes
        if tag == "input" and name and not disabled:
            kind = (attributes.get("type") or "text").lower()
            if kind in {"submit", "button", "reset", "image", "file"}:
                return
            if kind in {"checkbox", "radio"}:
                if "checked" in attributes:
                    self._add(name, attributes.get("value") or "on")
                return
            self._add(name, attributes.get("value") or "")
        elif tag == "textarea" and name and not disabled:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select, self._select_disabled = name, disabled
            if not disabled:
                self._form["fields"].setdefault(name, [])
        elif (
            tag == "option"
            and self._select
            and not self._select_disabled
            and "selected" in attributes
        ):
            self._add(self._select, attributes.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            # HTML drops one newline right after <textarea>; Django's widget writes one.
            if text.startswith("\r\n"):
                text = text[2:]
            elif text.startswith("\n"):
                text = text[1:]
            self._add(self._textarea, text)
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)


def read_form(html: str | bytes, *, having: str = "form_token") -> dict[str, list[str]]:
    """The fields of the page's form that contains a field named `having`."""
    reader = _FormReader()
    reader.feed(html.decode() if isinstance(html, bytes) else html)
    for form in reader.forms:
        if having in form["fields"]:
            return {name: list(values) for name, values in form["fields"].items()}
    raise AssertionError(f"no form with a field {having!r} on the page")


def single(fields: dict[str, list[str]], name: str) -> str:
    values = fields.get(name, [])
    assert len(values) <= 1, (name, values)
    return values[0] if values else ""


# --- Reference data ------------------------------------------------------------------------


def state_pk(code: str) -> str:
    return str(State.objects.get(code=code).pk)


def instrument_pk(code: str) -> str:
    return str(Instrument.objects.get(code=code).pk)


def article_pk(code: str, number: int) -> str:
    return str(Article.objects.get(instrument__code=code, number=number).pk)


def cluster_pk(numeral: str) -> str:
    return str(Cluster.objects.get(numeral=numeral).pk)


# --- Filling the submission form -------------------------------------------------------------


def fill(fields: dict[str, list[str]], **values) -> dict[str, list[str]]:
    """A copy of a read form with some fields set. Keys use "__" for "-" (rec__0__text →
    rec-0-text); a list sets a multiple choice, None removes the field (unchecked box)."""
    data = {name: list(v) for name, v in fields.items()}
    for key, value in values.items():
        name = key.replace("__", "-")
        if value is None:
            data.pop(name, None)
        elif isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        else:
            data[name] = [str(value)]
    return data


def complete_draft(fields: dict[str, list[str]], **overrides) -> dict[str, list[str]]:
    """The new-submission form filled with a complete, valid draft on Nigeria: UNTOC art. 5,
    cluster I, one recommendation and one source."""
    values = {
        "cluster": cluster_pk("I"),
        "instruments": [instrument_pk("untoc")],
        "articles": [article_pk("untoc", 5)],
        "title": "Criminalizing participation in an organized criminal group",
        "summary": "Nigeria's law covers article 5 only in part.",
        "law": LAW,
        "practice": PRACTICE,
        "language": "en",
        "tier": IdentityTier.ATTRIBUTED,
        "rec__0__text": "Adopt a specific offence of participation.",
        "rec__0__addressee": "state",
        "rec__0__priority": "high",
        "rec__0__articles": [article_pk("untoc", 5)],
        "src__0__title": "Annual report on prosecutions",
        "src__0__url": "https://example.org/report-2023",
        "src__0__date": "2023-05-01",
        "src__0__kind": "report",
    }
    values.update(overrides)
    return fill(fields, **values)


def open_new_form(client, state: str = "NGA") -> dict[str, list[str]]:
    response = client.get(f"/submissions/new/?state={state}")
    assert response.status_code == 200
    return read_form(response.content)


def open_edit_form(client, reference: str) -> dict[str, list[str]]:
    response = client.get(f"/submissions/{reference}/edit/")
    assert response.status_code == 200
    return read_form(response.content)


def create_through_form(client, **overrides) -> Submission:
    payload = complete_draft(open_new_form(client), **overrides)
    response = client.post("/submissions/new/", payload)
    assert response.status_code == 302, response.content.decode()[:3000]
    return Submission.objects.get(reference=response["Location"].rstrip("/").rsplit("/", 1)[1])


# --- Submissions made directly ----------------------------------------------------------------


def make_submission(
    organization,
    by,
    *,
    status: str = SubmissionStatus.DRAFT,
    title: str = "Witness protection in practice",
    state: str = "NGA",
    instruments: tuple[str, ...] = ("untoc",),
    articles: tuple[tuple[str, int], ...] = (("untoc", 5),),
    cluster: str | None = "I",
    language: str = "en",
    tier: str = IdentityTier.ATTRIBUTED,
    show_authors: bool = False,
    embargo_until: dt.date | None = None,
    law: str = LAW,
    practice: str = PRACTICE,
) -> Submission:
    """A version-1 draft made by the service, then put straight into `status`."""
    result = services.submission_create(
        organization=organization,
        by=by,
        data={
            "state": State.objects.get(code=state),
            "cluster": Cluster.objects.get(numeral=cluster) if cluster else None,
            "instruments": list(Instrument.objects.filter(code__in=instruments)),
            "articles": [
                Article.objects.get(instrument__code=code, number=number)
                for code, number in articles
            ],
            "title": title,
            "summary": f"Summary of: {title}",
            "law": law,
            "practice": practice,
            "language": language,
            "tier": tier,
            "show_authors": show_authors,
            "embargo_until": embargo_until,
        },
        recommendations=[{"text": "Protect witnesses.", "addressee": "state", "priority": "high"}],
        sources=[{"title": "A report", "url": "https://example.org/r", "kind": "report"}],
        form_token=uuid.uuid4().hex,
    )
    submission = result.submission
    now = timezone.now()
    changes = {"status": status}
    if status in (
        SubmissionStatus.SUBMITTED,
        SubmissionStatus.PUBLISHED,
        SubmissionStatus.RETURNED,
    ):
        changes["submitted_at"] = now
    if status == SubmissionStatus.PUBLISHED:
        changes["published_at"] = now
    Submission.objects.filter(pk=submission.pk).update(**changes)
    submission.refresh_from_db()
    return submission


def page(client, url: str) -> tuple[int, str]:
    response = client.get(url)
    return response.status_code, response.content.decode()
