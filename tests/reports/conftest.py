"""The submission tests' cast (tests/submissions/conftest.py), shared with the report tests:
the Observatorio with its unique name marker, its people, a coordinator and the builders."""

from tests.submissions.conftest import (  # noqa: F401 - fixtures, found by name
    cast,
    client_as,
    coord,
    coord_without_mfa,
    empty_cache,
    observatorio,
    org_editor,
    org_member,
    org_owner,
    other_org,
    outsider,
    second_editor,
    submission_in,
    visitor,
)
