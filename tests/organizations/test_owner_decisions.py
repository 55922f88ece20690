"""Decisions only owners take: making the organization public, requiring a second factor,
and who gets invited (one open invitation per address)."""

import pytest

from palermo.organizations.models import Invitation
from tests.organizations.helpers import messages_of, signed_in

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def test_editor_edits_the_profile_but_not_the_listing_or_the_mfa_rule(observatorio, org_editor):
    editor = signed_in(org_editor)
    page = editor.get(f"/organizations/{observatorio.slug}/edit/").content.decode()
    assert 'name="is_listed"' not in page
    assert 'name="require_mfa"' not in page
    was_listed = observatorio.is_listed
    editor.post(
        f"/organizations/{observatorio.slug}/edit/",
        {
            "name": observatorio.name,
            "kind": observatorio.kind,
            "ecosoc_status": "none",
            "is_listed": "" if was_listed else "on",
            "require_mfa": "on",
        },
    )
    observatorio.refresh_from_db()
    assert (observatorio.is_listed, observatorio.require_mfa) == (was_listed, False)


def test_owner_sees_and_sets_the_listing_and_the_mfa_rule(observatorio, org_owner):
    owner = signed_in(org_owner)
    page = owner.get(f"/organizations/{observatorio.slug}/edit/").content.decode()
    assert 'name="is_listed"' in page and 'name="require_mfa"' in page


def test_a_second_open_invitation_to_the_same_address_is_refused(observatorio, org_owner):
    owner = signed_in(org_owner)
    url = f"/organizations/{observatorio.slug}/members/invite/"
    owner.post(url, {"email": "twice@example.org", "role": "member"})
    response = owner.post(url, {"email": "Twice@Example.org", "role": "editor"})
    assert "An invitation to this address is already open." in " ".join(messages_of(response))
    assert Invitation.objects.filter(email="twice@example.org").count() == 1
