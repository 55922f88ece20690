"""Anonymous submissions: no account, no e-mail, no address kept anywhere.

The sender is shown a passphrase once (seven or more random words); only its Argon2 hash is
stored. With it, and never through a URL, they come back to see the status, read the
coordinators' questions and add information. Abuse limits count attempts per keyed hash of
the client address, kept briefly in the cache and never written elsewhere."""

import functools
import hashlib
import hmac
import secrets
import uuid

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core.cache import cache
from django.db import transaction

from palermo.submissions import services
from palermo.submissions.enums import IdentityTier, SubmissionStatus
from palermo.submissions.models import AnonymousSender, Submission
from palermo.submissions.receipts import receipt_issue

# Pronounceable words built from syllables: 16 consonants x 5 vowels, two syllables a word,
# gives 6,400 words; eight words carry about 101 bits.
_CONSONANTS = "bdfgjklmnprstvxz"
_VOWELS = "aeiou"
PASSPHRASE_WORDS = 8
# Always Argon2, whatever PASSWORD_HASHERS says: the passphrase is the sender's only key.
_HASHER = Argon2PasswordHasher()


def _word() -> str:
    return "".join(secrets.choice(_CONSONANTS) + secrets.choice(_VOWELS) for _ in range(2))


def new_passphrase() -> str:
    return " ".join(_word() for _ in range(PASSPHRASE_WORDS))


def normalise_passphrase(text: str) -> str:
    return " ".join(text.lower().split())


def _address_key(request, action: str) -> str:
    address = request.META.get("REMOTE_ADDR", "")
    digest = hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256)
    return f"anon:{action}:{digest.hexdigest()[:32]}"


def allow(request, action: str, *, limit: int, seconds: int) -> bool:
    """Count an attempt for this (hashed) address; False once over the limit."""
    key = _address_key(request, action)
    cache.add(key, 0, timeout=seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds)
        count = 1
    return count <= limit


@transaction.atomic
def anonymous_submit(
    *, data: dict, recommendations: list[dict], sources: list[dict], form_token: str
) -> tuple[Submission, str | None]:
    """Create the submission straight in the coordinators' queue, with its receipt.
    Returns the passphrase, or None when this form had already been sent (re-post)."""
    result = services.submission_create(
        organization=None,
        by=None,
        data={**data, "tier": IdentityTier.ANONYMOUS, "show_authors": False},
        recommendations=recommendations,
        sources=sources,
        form_token=form_token,
    )
    submission = result.submission
    if result.replayed:
        return submission, None
    passphrase = new_passphrase()
    AnonymousSender.objects.create(
        submission=submission,
        passphrase_hash=_HASHER.encode(normalise_passphrase(passphrase), _HASHER.salt()),
    )
    submission.status = SubmissionStatus.SUBMITTED
    submission.submitted_at = submission.created_at
    submission._change_reason = "anonymous submission"
    submission.save(update_fields=["status", "submitted_at"])
    receipt_issue(submission=submission)
    return submission, passphrase


@functools.cache
def _dummy_hash() -> str:
    # Made on first use, not at import: Argon2 takes ~100 MB for a moment, which every web
    # and task worker would otherwise pay at start-up.
    return _HASHER.encode(uuid.uuid4().hex, _HASHER.salt())


def anonymous_find(reference: str, passphrase: str) -> Submission | None:
    """The submission if the passphrase is right. Always runs one hash, so a wrong
    reference takes as long as a wrong passphrase."""
    sender = (
        AnonymousSender.objects.select_related("submission")
        .filter(submission__reference=reference.strip().upper()[:16])
        .first()
    )
    encoded = sender.passphrase_hash if sender else _dummy_hash()
    ok = _HASHER.verify(normalise_passphrase(passphrase), encoded)
    return sender.submission if sender and ok else None
