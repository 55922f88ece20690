import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.integration]
ROOT = Path(__file__).resolve().parents[2]
# Variables that config/settings_test.py sets for the test process; a production check
# must not inherit them.
TEST_ONLY = ("DJANGO_", "DEBUG", "SECURE_", "SECRET_KEY", "ALLOWED_HOSTS")


def clean_env(**values: str) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if not k.startswith(TEST_ONLY)}, **values}


@pytest.mark.django_db
def test_pages_carry_strict_security_headers(client):
    response = client.get("/states/NGA/")
    csp = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "geolocation=()" in response["Permissions-Policy"]


@pytest.mark.django_db
def test_api_docs_work_under_the_csp(client):
    """The API docs page loads its scripts from our own static files, not inline."""
    html = client.get("/api/v1/docs").content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts
    for attributes, body in scripts:
        # A JSON data block is not executed, so the CSP allows it.
        if 'type="application/json"' not in attributes:
            assert body.strip() == "", "inline script would be blocked by the CSP"
            assert 'src="/static/' in attributes


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = clean_env(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="false",
        SECRET_KEY="a-long-random-production-key-" + "x9Q2" * 12,
        ALLOWED_HOSTS="hub.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key(tmp_path):
    env = clean_env(DJANGO_SETTINGS_MODULE="config.settings", DEBUG="false")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_every_setting_read_from_the_environment_is_documented():
    read = set()
    for path in (ROOT / "config").glob("*.py"):
        read |= set(re.findall(r'env_(?:str|bool|int|list)\(\s*"([A-Z_]+)"', path.read_text()))
    documented = set(
        re.findall(r"^\| `([A-Z_]+)`", (ROOT / "docs/configuration.md").read_text(), flags=re.M)
    )
    example = (ROOT / ".env.example").read_text()
    assert read, "no settings found: the pattern is out of date"
    assert read - documented == set()
    assert {name for name in read if name not in example} == set()


@pytest.mark.django_db
def test_no_missing_migrations():
    out = io.StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()
