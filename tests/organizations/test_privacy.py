"""Who belongs to which organization, and experts' addresses, never leak to the public."""

import pytest
from django.core import mail

from palermo.organizations.enums import MemberRole
from palermo.organizations.models import ExpertProfile, Membership
from tests.organizations.helpers import CommittingClient, make_user, messages_of, signed_in

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

MEMBER_NAME = "Zorro-Member-Marker-9X"
MEMBER_EMAIL = "zorro-marker-9x@example.org"
HIDDEN_EXPERT = "Hidden-Expert-Marker-4K"
HIDDEN_EXPERT_EMAIL = "hidden-expert-4k@example.org"
EXPERT_EMAIL = "published-expert-5m@example.org"

PUBLIC_PAGES = [
    "/",
    "/states/",
    "/organizations/",
    "/organizations/observatorio-norte/",
    "/organizations/?q=Observatorio",
    "/organizations/?q=Zorro",
    "/experts/",
    "/api/v1/organizations",
    "/api/v1/organizations/observatorio-norte",
    "/api/v1/organizations?q=Zorro",
    "/api/v1/experts",
    "/calendar.ics",
]


@pytest.fixture
def planted_member(django_user_model, observatorio):
    user = make_user(django_user_model, MEMBER_EMAIL, display_name=MEMBER_NAME)
    Membership.objects.create(organization=observatorio, user=user, role=MemberRole.MEMBER)
    return user


@pytest.fixture
def hidden_expert(django_user_model, db):
    user = make_user(django_user_model, HIDDEN_EXPERT_EMAIL)
    return ExpertProfile.objects.create(
        user=user, name=HIDDEN_EXPERT, headline="Not ready yet", is_published=False
    )


@pytest.fixture
def expert(django_user_model, db):
    user = make_user(django_user_model, EXPERT_EMAIL, display_name="Paz Published")
    return ExpertProfile.objects.create(
        user=user,
        name="Paz Published",
        headline="Lawyer, trafficking cases in the Sahel",
        affiliation="Independent",
        is_published=True,
    )


def text_of(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def assert_absent(text: str, *markers: str) -> None:
    lowered = text.lower()
    for marker in markers:
        assert marker.lower() not in lowered, marker


@pytest.mark.parametrize("path", PUBLIC_PAGES)
@pytest.mark.parametrize("who", ["visitor", "outsider"])
def test_public_pages_never_show_who_is_a_member(
    path, who, planted_member, outsider, expert, hidden_expert
):
    browser = signed_in(outsider if who == "outsider" else None)

    response = browser.get(path)

    assert response.status_code == 200
    text = text_of(response)
    assert_absent(text, MEMBER_NAME, MEMBER_EMAIL, HIDDEN_EXPERT, HIDDEN_EXPERT_EMAIL, EXPERT_EMAIL)
    if "observatorio" in path or "Observatorio" in path or path == "/organizations/":
        assert "Observatorio Norte" in text  # the page did show the organization


def test_members_see_names_and_only_owners_see_addresses(planted_member, org_member, org_owner):
    as_member = signed_in(org_member).get("/organizations/observatorio-norte/members/")
    as_owner = signed_in(org_owner).get("/organizations/observatorio-norte/members/")

    assert MEMBER_NAME in as_member.content.decode()
    assert MEMBER_EMAIL not in as_member.content.decode()
    assert MEMBER_NAME in as_owner.content.decode()
    assert MEMBER_EMAIL in as_owner.content.decode()


# --- Experts ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["visitor", "outsider", "member"])
def test_an_unpublished_expert_profile_is_nowhere(
    who, hidden_expert, outsider, org_member, observatorio
):
    browser = signed_in({"visitor": None, "outsider": outsider, "member": org_member}[who])

    listed = browser.get("/experts/")
    searched = browser.get("/experts/?q=Hidden")
    api = browser.get("/api/v1/experts")
    detail = browser.get(f"/experts/{hidden_expert.public_id}/")
    contact = browser.get(f"/experts/{hidden_expert.public_id}/contact/")

    for response in (listed, searched, api):
        assert response.status_code == 200
        assert_absent(text_of(response), HIDDEN_EXPERT, HIDDEN_EXPERT_EMAIL)
    assert api.json()["items"] == []
    assert detail.status_code == 404
    assert contact.status_code == (302 if who == "visitor" else 404)


def test_a_published_expert_is_listed_without_their_address(expert, org_member, observatorio):
    as_visitor = CommittingClient()
    as_member = signed_in(org_member, CommittingClient)  # of a verified organization
    detail_url = f"/experts/{expert.public_id}/"

    pages = {
        "list": as_visitor.get("/experts/"),
        "search": as_member.get("/experts/?q=Sahel"),
        "api": as_visitor.get("/api/v1/experts"),
        "detail (visitor)": as_visitor.get(detail_url),
        "detail (member)": as_member.get(detail_url),
        "contact": as_member.get(f"{detail_url}contact/"),
    }

    for name, response in pages.items():
        assert response.status_code == 200, name
        assert "Paz Published" in text_of(response), name
        assert_absent(text_of(response), EXPERT_EMAIL)
    assert [item["name"] for item in pages["api"].json()["items"]] == ["Paz Published"]
    assert "email" not in pages["api"].json()["items"][0]


def test_writing_to_an_expert_never_shows_the_experts_address(expert, org_member, observatorio):
    as_member = signed_in(org_member, CommittingClient)
    mail.outbox.clear()

    sent = as_member.post(
        f"/experts/{expert.public_id}/contact/",
        {"subject": 'Q&A on "Article 6"', "message": "Could we talk about a case in Agadez?"},
        follow=True,
    )

    assert sent.status_code == 200
    assert sent.redirect_chain == [(f"/experts/{expert.public_id}/", 302)]
    assert_absent(sent.content.decode(), EXPERT_EMAIL)
    [message] = mail.outbox
    assert message.to == [EXPERT_EMAIL]  # only the expert's own inbox has it
    assert message.subject == '[Palermo Hub] Message from a member: Q&A on "Article 6"'
    assert org_member.email in message.body  # so the expert may choose to answer


def test_withdrawing_unpublishes_at_once(expert, visitor):
    detail_url = f"/experts/{expert.public_id}/"
    assert visitor.get(detail_url).status_code == 200
    as_expert = signed_in(expert.user, CommittingClient)

    response = as_expert.post("/experts/me/withdraw/")

    assert response.status_code == 302
    assert response["Location"] == "/experts/me/"
    assert messages_of(response) == ["Your expert profile is withdrawn: nobody can see it now."]
    expert.refresh_from_db()
    assert expert.is_published is False
    assert visitor.get(detail_url).status_code == 404
    assert "Paz Published" not in visitor.get("/experts/").content.decode()
    assert visitor.get("/api/v1/experts").json()["items"] == []


def test_a_deactivated_account_takes_its_expert_profile_down(expert, visitor):
    expert.user.is_active = False
    expert.user.save(update_fields=["is_active"])
    assert visitor.get(f"/experts/{expert.public_id}/").status_code == 404
    assert visitor.get("/api/v1/experts").json()["items"] == []
