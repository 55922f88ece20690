"""Test settings: the real settings with a development key and fast password hashing."""

import os

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SECURE_COOKIES", "false")
# E-mail tasks run inside the request, so tests read them from mail.outbox.
os.environ.setdefault("TASKS_IMMEDIATE", "true")

from config.settings import *  # noqa: F403
from config.settings import STORAGES

# Argon2 is deliberately slow; tests hash many passwords.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The manifest storage needs collectstatic; tests render templates without it.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True

# Receipt signing keys for the test run: a fresh private folder, never the checkout's var/.
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

RECEIPT_KEYS_DIR = Path(tempfile.mkdtemp(prefix="palermo-test-keys-"))
ATTACHMENTS_ROOT = Path(tempfile.mkdtemp(prefix="palermo-test-attachments-"))
