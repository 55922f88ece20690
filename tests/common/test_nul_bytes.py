"""A NUL byte anywhere in the address is a 400 on every database (PostgreSQL would raise)."""

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.mark.parametrize(
    "url",
    [
        "/states/?region=%00",
        "/states/NGA/?x=%00",
        "/organizations/?q=a%00b",
        "/submissions/?cluster=%00",
        "/api/v1/states/N%00A",
        "/api/v1/articles?cluster=%00",
        "/api/v1/submissions/S-2026-%0001",
        "/experts/?q=%00",
        "/coordination/audit/?actor=%00",
    ],
)
def test_nul_bytes_in_addresses_answer_400(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_a_submission_reference_must_look_like_one(client):
    assert client.get("/submissions/S-2026-0001%00/").status_code == 400
    assert client.get("/submissions/not-a-reference/").status_code == 404
