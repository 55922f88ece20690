# ruff: noqa: RUF002, RUF003 - the docs show look-alike characters on purpose; code uses escapes.
"""Validation and normalisation of text that people type into the hub.

Two different jobs live here:

* ``validate_plain_text`` / ``validate_single_line`` refuse characters that have no business in
  human text and that cause real harm: NUL bytes crash PostgreSQL inserts (a 500 instead of a
  form error), control characters corrupt exports and logs, bidi controls make text display
  differently from what it says (Trojan Source, CVE-2021-42574: "invoice", U+202E, "fdp.exe"
  displays as "invoiceexe.pdf"), and
  lone surrogates cannot be encoded as UTF-8 at all.
* ``normalise_name`` and ``name_skeleton`` support uniqueness checks for organization names. An
  impersonator registering "Pаlermo Watch" with a Cyrillic "а" next to a real "Palermo Watch"
  is a direct threat to the people who trust the real one, so look-alikes must be detected, not
  just exact duplicates.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Embeddings, overrides and isolates reorder the text around them ("Trojan Source"): refused.
# The marks (LRM U+200E, RLM U+200F, ALM U+061C) only nudge neutral characters and are typed by
# Arabic, Persian and Urdu keyboards in ordinary text, so they are allowed.
BIDI_CONTROLS: frozenset[str] = frozenset(
    [chr(c) for c in range(0x202A, 0x202F)]  # LRE, RLE, PDF, LRO, RLO
    + [chr(c) for c in range(0x2066, 0x206A)]  # LRI, RLI, FSI, PDI
)

# Tab, LF and CR are the only control characters real text needs. DEL (U+007F) and the C1 range
# are included because they are as invisible as C0 and some terminals and spreadsheets act on them.
_ALLOWED_CONTROLS = frozenset("\t\n\r")
_CONTROL_CHARS: frozenset[str] = frozenset(
    chr(c)
    for c in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]
    if chr(c) not in _ALLOWED_CONTROLS
)
# Lone surrogates cannot come from a browser's form post (Django decodes those with
# errors="replace"), but they do arrive through JSON "\ud800" escapes and surrogateescape-decoded
# file names, and then fail at the database's UTF-8 encoding step.
_SURROGATES = "\ud800-\udfff"

_FORBIDDEN = re.compile(
    "[" + "".join(re.escape(c) for c in sorted(_CONTROL_CHARS | BIDI_CONTROLS)) + _SURROGATES + "]"
)
# Everything browsers and editors treat as a line end, not only \n: U+2028/2029 break lines in
# HTML text and JavaScript, and names end up in e-mail subjects and Content-Disposition headers,
# where a line break is a header-injection vector.
_LINE_BREAKS = re.compile("[\n\r\u2028\u2029]")


def _codepoint(char: str) -> str:
    return f"U+{ord(char):04X}"


def validate_plain_text(value: str) -> None:
    """Refuse NUL, control characters other than tab/LF/CR, bidi controls and lone surrogates.

    The message names the first offending character and where it is, because all of these are
    invisible and a person cannot otherwise find what to delete.
    """
    match = _FORBIDDEN.search(value)
    if match is None:
        return
    char = match.group()
    params = {"codepoint": _codepoint(char), "position": match.start() + 1}
    if char == "\x00":
        raise ValidationError(
            _("Remove the null character (U+0000) at position %(position)s."),
            code="null_character",
            params=params,
        )
    if char in BIDI_CONTROLS:
        raise ValidationError(
            _(
                "Remove the invisible text-direction character %(codepoint)s at position "
                "%(position)s: it can make text display differently from what it says."
            ),
            code="bidi_control",
            params=params,
        )
    if "\ud800" <= char <= "\udfff":
        raise ValidationError(
            _(
                "The text contains a broken character (an invalid encoding) at position "
                "%(position)s. Please retype it or paste it again."
            ),
            code="invalid_encoding",
            params=params,
        )
    raise ValidationError(
        _("Remove the invisible control character %(codepoint)s at position %(position)s."),
        code="control_character",
        params=params,
    )


def validate_single_line(value: str) -> None:
    """Like ``validate_plain_text``, and also refuse any kind of line break."""
    validate_plain_text(value)
    match = _LINE_BREAKS.search(value)
    if match is not None:
        raise ValidationError(
            _("This must be a single line: remove the line break at position %(position)s."),
            code="line_break",
            params={"codepoint": _codepoint(match.group()), "position": match.start() + 1},
        )


def normalise_name(value: str) -> str:
    """NFKC-normalise a name and collapse its whitespace, for storage and display.

    NFKC folds compatibility variants (full-width "Ｐａｌｅｒｍｏ", ligatures, superscripts) into
    their ordinary letters, which is what Django does for usernames. It is not a look-alike check:
    see ``name_skeleton`` for that.
    """
    return " ".join(unicodedata.normalize("NFKC", value).split())


# --- Confusable skeletons -----------------------------------------------------------------------
#
# UTS #39 defines skeleton(X) by mapping every character to the "prototype" of its confusable set.
# confusable_homoglyphs ships that data, but only in a symmetric form: each line
# "source -> prototype" of Unicode's confusables.txt became an entry in *both* directions, so the
# direction has to be recovered. Sources in confusables.txt are single code points and every one
# has exactly one prototype; prototypes may be sequences ("rn" for "m"). So:
#
# * a key with several entries is a prototype (of each of them);
# * a key with one entry is a source if that entry is a sequence or has several entries itself;
# * a pair where both sides have exactly one entry is ambiguous; we pick the lower code point as
#   prototype. The choice changes which character represents the pair, never whether two strings
#   match.
#
# The data is mapped, never union-found: a transitive closure over the symmetric pairs plus case
# folding chains whole alphabets together ("o" ~ "0" ~ "6" ~ "b" ~ "c"), so unrelated names would
# collide.
#
# Differences from UTS #39, all deliberate for "is this organization name a look-alike?":
#
# * Case-insensitive: "PALERMO WATCH" and "Palermo watch" must collide. The mapping is applied
#   once to the text as written, before case folding, so that a Greek or Cyrillic capital that
#   looks like a Latin capital (Cyrillic "Т", Greek "Η") is caught even though its lower case form
#   looks different; then to the case-folded text until nothing changes.
# * "i" is merged with "l": the data maps a capital "I" to "l" (they are identical in sans-serif
#   fonts, the classic "PaIermo" spoof), and case folding would otherwise turn that "I" into "i".
# * Latin small capitals ("ᴛ", "ʙ", which the data uses as prototypes for Cyrillic "т", "в") fold
#   to their letter, so a Cyrillic name matches itself in upper and lower case.
# * Accents on Latin, Greek, Cyrillic and Armenian letters, Arabic harakat, Hebrew points,
#   whitespace, punctuation and invisible format characters (zero-width joiners, soft hyphens,
#   bidi marks) are dropped.
#
# This errs towards flagging: "Mail" and "Mall" collide, as do names that differ only by an
# accent or by i/l/1, or o/0. It is meant to warn an administrator, not to refuse a registration.
#
# Known gaps: the data only covers single characters with a recorded prototype, so look-alike
# sequences it does not list ("cl" for "d", "vv" for "w") are not caught, though "rn" for "m" is.
# A Greek or Cyrillic name in capitals and the same name in lower case can differ where the
# lower-case letter has its own look ("ΕΛΛΑΔΑ" and "Ελλάδα": "Λ" and "λ"); compare
# ``normalise_name(a).casefold()`` as well if exact case-insensitive duplicates matter.

_SMALL_CAPITAL = re.compile(r"^LATIN LETTER SMALL CAPITAL ([A-Z])$")
# IPA Extensions, Phonetic Extensions (+ Supplement) and Latin Extended-D: where Unicode keeps
# them. Scanning only these blocks keeps building the table fast.
_SMALL_CAPITAL_BLOCKS = ((0x0250, 0x02B0), (0x1D00, 0x1DC0), (0xA720, 0xA800))
# The data file wraps right-to-left characters in LRM marks so that its comments display
# correctly; they are not part of the characters.
_DISPLAY_MARKS = "\u200e\u200f"
_MAX_ROUNDS = 8
# Marks on letters of these scripts are accents ("Palermó"), dropped so that accented spoofs
# match. Elsewhere marks are often vowels or the dots that tell letters apart (Devanagari vowel
# signs, Thai tone marks, and the data spells "ث" as a dotless base plus three dots), so they are
# kept, except Arabic harakat and Hebrew points, which are optional and commonly omitted.
_ACCENTED_SCRIPTS = frozenset({"LATIN", "GREEK", "CYRILLIC", "ARMENIAN", "COMMON", "INHERITED"})
# Separators, controls and invisible format characters (zero-width joiners, bidi marks, soft
# hyphens); punctuation is dropped by its "P" category prefix.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})


@cache
def _prototypes() -> dict[str, str]:
    """Map each single-character source to its prototype (built once; the data is ~1 MB)."""
    from confusable_homoglyphs.confusables import confusables_data

    pairs: dict[str, list[str]] = {}
    for key, entries in confusables_data.items():
        clean_key = key.strip(_DISPLAY_MARKS)
        pairs[clean_key] = [entry["c"].strip(_DISPLAY_MARKS) for entry in entries]

    mapping: dict[str, str] = {}
    for source, targets in pairs.items():
        if len(source) != 1 or len(targets) != 1:
            continue
        target = targets[0]
        if not target or target == source:
            continue
        is_prototype = len(target) > 1 or len(pairs.get(target, ())) > 1
        if is_prototype or target < source:
            mapping[source] = target

    for start, end in _SMALL_CAPITAL_BLOCKS:
        for code in range(start, end):
            match = _SMALL_CAPITAL.match(unicodedata.name(chr(code), ""))
            if match:
                mapping[chr(code)] = match.group(1).lower()
    mapping["i"] = "l"
    return mapping


@lru_cache(maxsize=8192)
def _drops_marks(base: str) -> bool:
    from confusable_homoglyphs.categories import alias

    return alias(base) in _ACCENTED_SCRIPTS


def _is_optional_vowel_mark(char: str) -> bool:
    # Arabic harakat and superscript alef; Hebrew cantillation and points.
    return "\u064b" <= char <= "\u065f" or char == "\u0670" or "\u0591" <= char <= "\u05c7"


def _strip_marks(value: str) -> str:
    kept: list[str] = []
    drop_marks = True
    for char in unicodedata.normalize("NFD", value):
        if unicodedata.category(char) in ("Mn", "Me"):
            if drop_marks or _is_optional_vowel_mark(char):
                continue
        else:
            drop_marks = _drops_marks(char)
        kept.append(char)
    # Recompose so that Hangul syllables stay whole instead of being matched jamo by jamo.
    return unicodedata.normalize("NFC", "".join(kept))


def _map(value: str, mapping: dict[str, str]) -> str:
    return "".join(mapping.get(c, c) for c in value)


def _is_ignorable(char: str) -> bool:
    category = unicodedata.category(char)
    return category in _DROPPED_CATEGORIES or category[0] == "P" or char.isspace()


def name_skeleton(value: str) -> str:
    """A key under which visually confusable names collide (see the notes above).

    ``name_skeleton("Pаlermo Watch") == name_skeleton("PALERMO  WATCH")`` (Cyrillic "а"), and
    "Palerrno" matches "Palermo". The result is for comparison only; never show it as a name.
    It can be longer than the name (NFKC expands some characters, and "m" becomes "rn").
    """
    mapping = _prototypes()
    current = _map(_strip_marks(unicodedata.normalize("NFKC", value)), mapping)
    for _round in range(_MAX_ROUNDS):
        folded = unicodedata.normalize("NFKC", current).casefold()
        mapped = _map(_strip_marks(folded), mapping)
        following = "".join(c for c in mapped if not _is_ignorable(c))
        if following == current:
            break
        current = following
    return current
