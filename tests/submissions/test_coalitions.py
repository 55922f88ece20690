"""Co-signing: the lead invites verified organizations, their editors accept or decline
before the deadline, a co-signer may withdraw (logged and shown), and the public page
names co-signers only where the identity tier allows."""

import datetime as dt
import uuid

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from palermo.organizations.enums import MemberRole, VerificationStatus
from palermo.organizations.models import Membership, Organization
from palermo.reference.models import Instrument, State
from palermo.submissions import coalitions, services
from palermo.submissions.enums import Transition
from palermo.submissions.models import CoSigner, CoSignerStatus

pytestmark = [pytest.mark.integration, pytest.mark.django_db]
MARKER = "Cosigner-Marker-Org-3J"


def org(slug, name, **extra):
    return Organization.objects.create(
        slug=slug,
        name=name,
        name_skeleton=slug,
        kind="ngo",
        **{"verification_status": VerificationStatus.VERIFIED, **extra},
    )


def member(organization, email, role, django_user_model):
    user = django_user_model.objects.create_user(email=email, password="x")
    return Membership.objects.create(organization=organization, user=user, role=role)


@pytest.fixture
def cast(django_user_model, coordinator):
    lead = org("lead-org", "Lead Org")
    partner = org("partner-org", MARKER)
    pending = org("pending-org", "Pending Org", verification_status=VerificationStatus.PENDING)
    people = {
        "lead_editor": member(lead, "lead-editor@c.example", MemberRole.EDITOR, django_user_model),
        "lead_owner": member(lead, "lead-owner@c.example", MemberRole.OWNER, django_user_model),
        "partner_editor": member(
            partner, "partner-editor@c.example", MemberRole.EDITOR, django_user_model
        ),
        "partner_member": member(
            partner, "partner-member@c.example", MemberRole.MEMBER, django_user_model
        ),
    }
    submission = services.submission_create(
        organization=lead,
        by=people["lead_editor"].user,
        form_token=uuid.uuid4().hex,
        data={
            "state": State.objects.get(code="NGA"),
            "cluster": None,
            "instruments": [Instrument.objects.get(code="untoc")],
            "articles": [],
            "title": "Joint input",
            "summary": "Together.",
            "law": "",
            "practice": "",
            "language": "en",
            "tier": "attributed",
            "show_authors": False,
            "embargo_until": None,
            "signon_deadline": dt.date(2026, 12, 31),
        },
        recommendations=[],
        sources=[],
    ).submission
    return {
        "lead": lead,
        "partner": partner,
        "pending": pending,
        "people": people,
        "submission": submission,
        "coordinator": coordinator,
    }


def publish(cast):
    p, s = cast["people"], cast["submission"]
    services.submission_transition(
        submission=s,
        action=Transition.REQUEST_REVIEW,
        by=p["lead_editor"].user,
        membership=p["lead_editor"],
    )
    services.submission_transition(
        submission=s, action=Transition.APPROVE, by=p["lead_owner"].user, membership=p["lead_owner"]
    )
    services.submission_transition(
        submission=s, action=Transition.PUBLISH, by=cast["coordinator"], membership=None
    )


def invite(cast):
    p = cast["people"]
    return coalitions.cosigner_invite(
        submission=cast["submission"],
        organization=cast["partner"],
        by=p["lead_editor"].user,
        membership=p["lead_editor"],
    )


def test_lead_invites_and_the_partner_editor_accepts(cast, client):
    cosigner = invite(cast)
    partner = cast["people"]["partner_editor"]
    # The whole visit happens on 1 December: sessions end 12 hours after sign-in.
    with time_machine.travel(dt.datetime(2026, 12, 1, tzinfo=dt.UTC)):
        client.force_login(partner.user)
        page = client.get(cast["submission"].get_absolute_url())
        assert page.status_code == 200  # invited organizations may read the draft
        response = client.post(f"/submissions/{cast['submission'].reference}/cosigners/accept/")
    assert response.status_code == 302
    cosigner.refresh_from_db()
    assert (cosigner.status, cosigner.responded_by) == (CoSignerStatus.ACCEPTED, partner.user)


def test_only_editors_answer_and_only_before_the_deadline(cast):
    cosigner = invite(cast)
    people = cast["people"]
    with pytest.raises(PermissionDenied):
        coalitions.cosigner_respond(
            cosigner=cosigner,
            accept=True,
            by=people["partner_member"].user,
            membership=people["partner_member"],
        )
    with (
        time_machine.travel(dt.datetime(2027, 1, 2, tzinfo=dt.UTC)),
        pytest.raises(ValidationError, match="deadline has passed"),
    ):
        coalitions.cosigner_respond(
            cosigner=cosigner,
            accept=True,
            by=people["partner_editor"].user,
            membership=people["partner_editor"],
        )
    assert CoSigner.objects.get(pk=cosigner.pk).status == CoSignerStatus.INVITED


def test_pending_organizations_and_the_lead_itself_cannot_be_invited(cast):
    p = cast["people"]
    for organization, message in (
        (cast["pending"], "Only verified"),
        (cast["lead"], "signs already"),
    ):
        with pytest.raises(ValidationError, match=message):
            coalitions.cosigner_invite(
                submission=cast["submission"],
                organization=organization,
                by=p["lead_editor"].user,
                membership=p["lead_editor"],
            )
    with pytest.raises(PermissionDenied):
        coalitions.cosigner_invite(
            submission=cast["submission"],
            organization=cast["partner"],
            by=p["partner_editor"].user,
            membership=p["partner_editor"],
        )


def test_withdrawal_is_logged_and_shown_on_the_public_page(cast, client):
    cosigner = invite(cast)
    editor = cast["people"]["partner_editor"]
    with time_machine.travel(dt.datetime(2026, 12, 1, tzinfo=dt.UTC)):
        coalitions.cosigner_respond(
            cosigner=cosigner, accept=True, by=editor.user, membership=editor
        )
    publish(cast)
    page = client.get(cast["submission"].get_absolute_url()).content.decode()
    assert f"Co-signed by: {MARKER}" in page
    with pytest.raises(ValidationError, match="Say why"):
        coalitions.cosigner_withdraw(cosigner=cosigner, by=editor.user, membership=editor, note=" ")
    coalitions.cosigner_withdraw(
        cosigner=cosigner, by=editor.user, membership=editor, note="Our board changed its position."
    )
    page = client.get(cast["submission"].get_absolute_url()).content.decode()
    assert f"<s>{MARKER}</s>" in page and "withdrew on" in page
    assert cosigner.history.count() >= 3


@pytest.mark.parametrize("tier", ["coalition", "pseudonymous"])
def test_shielded_tiers_never_name_co_signers(cast, client, tier):
    cosigner = invite(cast)
    editor = cast["people"]["partner_editor"]
    with time_machine.travel(dt.datetime(2026, 12, 1, tzinfo=dt.UTC)):
        coalitions.cosigner_respond(
            cosigner=cosigner, accept=True, by=editor.user, membership=editor
        )
    submission = cast["submission"]
    submission.tier = tier
    submission.save(update_fields=["tier"])
    publish(cast)
    for url in (
        submission.get_absolute_url(),
        "/submissions/",
        "/states/NGA/",
        f"/api/v1/submissions/{submission.reference}",
    ):
        body = client.get(url).content.decode()
        assert MARKER not in body, url
    assert (
        "Co-signed by 1 other organization."
        in client.get(submission.get_absolute_url()).content.decode()
    )


def test_who_else_works_on_this_suggests_verified_organizations_on_the_state(cast):
    cast["partner"].countries.add(State.objects.get(code="NGA"))
    cast["pending"].countries.add(State.objects.get(code="NGA"))
    suggested = coalitions.who_else_works_on_this(cast["submission"])
    assert cast["partner"] in suggested
    assert cast["pending"] not in suggested and cast["lead"] not in suggested
    invite(cast)
    assert cast["partner"] not in coalitions.who_else_works_on_this(cast["submission"])


def test_outsiders_cannot_read_a_draft_even_with_a_cosigning_url(cast, client, django_user_model):
    stranger = django_user_model.objects.create_user(email="stranger@c.example", password="x")
    client.force_login(stranger)
    reference = cast["submission"].reference
    assert client.get(f"/submissions/{reference}/").status_code == 404
    assert client.post(f"/submissions/{reference}/cosigners/accept/").status_code == 404
    assert (
        client.post(
            f"/submissions/{reference}/cosigners/invite/", {"organization": "partner-org"}
        ).status_code
        == 404
    )


def test_who_else_never_hints_at_an_embargoed_submission(
    observatorio, org_editor, other_org, outsider
):
    """Red Sur's only work on Nigeria is published but under embargo: it is not public, so
    it must not make Red Sur appear as "working on" Nigeria."""
    import datetime as dt

    from palermo.organizations.enums import VerificationStatus
    from palermo.reviews.calendar import review_today
    from palermo.submissions.coalitions import who_else_works_on_this
    from palermo.submissions.enums import SubmissionStatus
    from tests.submissions.helpers import make_submission

    other_org.verification_status = VerificationStatus.VERIFIED
    other_org.save(update_fields=["verification_status"])
    other_org.countries.clear()
    other_org.articles.clear()
    embargoed = make_submission(
        other_org,
        outsider,
        status=SubmissionStatus.PUBLISHED,
        embargo_until=review_today() + dt.timedelta(days=30),
    )
    draft = make_submission(observatorio, org_editor, articles=(("untoc", 26),))
    assert other_org not in who_else_works_on_this(draft)
    embargoed.embargo_until = review_today()
    embargoed.save(update_fields=["embargo_until"])
    assert other_org in who_else_works_on_this(draft)
