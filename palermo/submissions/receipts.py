"""Signed receipts (Ed25519). A receipt states: this submission, this version, at this time,
with this SHA-256 of its canonical content. Anyone can check one at /verify/.

Keys: `manage.py receipt_keys --generate` writes a new private key to RECEIPT_KEYS_DIR
(mode 0600) and records its public half in the database; the newest unretired key whose
private file exists signs. Rotation = generate a new key and retire the old one: old
receipts stay verifiable because the public keys are kept."""

import base64
import datetime as dt
import os
import re
import secrets
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from palermo.submissions.models import (
    Receipt,
    SigningKey,
    Submission,
    SubmissionVersion,
    canonical_json,
)

RECEIPT_FORMAT = "palermo-hub-receipt/1"
_KEY_ID = re.compile(r"[0-9A-Za-z-]{1,32}")


class NoSigningKey(RuntimeError):
    pass


def keys_dir() -> Path:
    return Path(settings.RECEIPT_KEYS_DIR)


def key_generate() -> SigningKey:
    """Create a key pair: private half to a 0600 file, public half to the database."""
    private = Ed25519PrivateKey.generate()
    key_id = dt.date.today().strftime("%Y%m%d-") + secrets.token_hex(4)
    folder = keys_dir()
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    path = folder / f"{key_id}.pem"
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    raw = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return SigningKey.objects.create(key_id=key_id, public_key=base64.b64encode(raw).decode())


def key_retire(key: SigningKey) -> None:
    key.retired_at = timezone.now()
    key.save(update_fields=["retired_at"])


def _active_key() -> tuple[SigningKey, Ed25519PrivateKey]:
    for key in SigningKey.objects.filter(retired_at__isnull=True):
        path = keys_dir() / f"{key.key_id}.pem"
        if path.is_file():
            private = serialization.load_pem_private_key(path.read_bytes(), password=None)
            assert isinstance(private, Ed25519PrivateKey)
            return key, private
    raise NoSigningKey("no signing key: run `manage.py receipt_keys --generate`")


def _signed_bytes(payload: dict) -> bytes:
    return canonical_json(payload).encode()


@transaction.atomic
def receipt_issue(*, submission: Submission) -> Receipt:
    """Sign the submission's current version. Creates a key the first time if none exists
    (and the key folder is writable), so a fresh installation issues receipts at once."""
    try:
        key, private = _active_key()
    except NoSigningKey:
        key_generate()
        key, private = _active_key()
    version = submission.versions.get(number=submission.version)
    payload = {
        "format": RECEIPT_FORMAT,
        "hub": settings.SITE_URL,
        "submission": submission.reference,
        "version": version.number,
        "timestamp": timezone.now().replace(microsecond=0).isoformat(),
        "content_sha256": version.content_sha256,
        "attachments": version.content.get("attachments", []),
    }
    signature = base64.b64encode(private.sign(_signed_bytes(payload))).decode()
    return Receipt.objects.create(
        submission=submission,
        version=version.number,
        payload=payload,
        key_id=key.key_id,
        signature=signature,
    )


class Verdict(Enum):
    MALFORMED = "malformed"
    UNKNOWN_KEY = "unknown_key"
    TAMPERED = "tampered"
    NO_SUCH_VERSION = "no_such_version"
    CONTENT_DIFFERS = "content_differs"
    MATCHES_OLDER_VERSION = "matches_older_version"
    MATCHES_CURRENT_VERSION = "matches_current_version"


@dataclass(frozen=True)
class Verification:
    verdict: Verdict
    authentic: bool
    current_version: int | None = None

    @property
    def matches(self) -> bool:
        return self.verdict in (Verdict.MATCHES_CURRENT_VERSION, Verdict.MATCHES_OLDER_VERSION)


def receipt_verify(document: object) -> Verification:
    """Tell apart: not a receipt, signed by a key we never had, altered since signing,
    authentic but for content we do not hold, authentic for an older version, current."""
    if not (
        isinstance(document, dict)
        and isinstance(document.get("receipt"), dict)
        and isinstance(document.get("key_id"), str)
        and isinstance(document.get("signature"), str)
    ):
        return Verification(Verdict.MALFORMED, authentic=False)
    payload = document["receipt"]
    # Key ids are "YYYYMMDD-<hex>" (key_generate). Anything else is a key we never used, and is
    # not sent to the database: a lone surrogate cannot be encoded for it, and PostgreSQL
    # refuses NUL.
    if not _KEY_ID.fullmatch(document["key_id"]):
        return Verification(Verdict.UNKNOWN_KEY, authentic=False)
    key = SigningKey.objects.filter(key_id=document["key_id"]).first()
    if key is None:
        return Verification(Verdict.UNKNOWN_KEY, authentic=False)
    try:
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(key.public_key))
        public.verify(
            base64.b64decode(document["signature"], validate=True), _signed_bytes(payload)
        )
    except (InvalidSignature, ValueError, TypeError):
        return Verification(Verdict.TAMPERED, authentic=False)
    submission = Submission.objects.filter(reference=str(payload.get("submission"))).first()
    version = (
        SubmissionVersion.objects.filter(
            submission=submission, number=payload.get("version")
        ).first()
        if submission
        else None
    )
    if version is None:
        return Verification(Verdict.NO_SUCH_VERSION, authentic=True)
    if version.content_sha256 != payload.get("content_sha256"):
        return Verification(
            Verdict.CONTENT_DIFFERS, authentic=True, current_version=submission.version
        )
    if version.number < submission.version:
        return Verification(
            Verdict.MATCHES_OLDER_VERSION, authentic=True, current_version=submission.version
        )
    return Verification(
        Verdict.MATCHES_CURRENT_VERSION, authentic=True, current_version=submission.version
    )
