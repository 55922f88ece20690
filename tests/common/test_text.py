# ruff: noqa: RUF001, RUF003 - look-alike characters are this file's test data.
"""Text validation refuses invisible troublemakers; skeletons catch look-alike names."""

from __future__ import annotations

import unicodedata

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from hypothesis import example, given
from hypothesis import strategies as st

from palermo.common.text import (
    BIDI_CONTROLS,
    name_skeleton,
    normalise_name,
    validate_plain_text,
    validate_single_line,
)

if not settings.configured:  # lets these pure tests run with `-p no:django` while settings churn
    settings.configure(USE_I18N=False)

pytestmark = pytest.mark.unit


def refusal(validator, value: str) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validator(value)
    return caught.value


# --- validate_plain_text: what is refused -------------------------------------------------------


def test_nul_byte_is_refused_with_its_own_message():
    error = refusal(validate_plain_text, "abc\x00def")
    assert error.code == "null_character"
    assert error.messages == ["Remove the null character (U+0000) at position 4."]


@pytest.mark.parametrize("char", ["\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f"])
def test_c0_controls_and_delete_are_refused(char):
    error = refusal(validate_plain_text, f"ab{char}")
    assert error.code == "control_character"
    assert error.messages == [
        f"Remove the invisible control character U+{ord(char):04X} at position 3."
    ]


@pytest.mark.parametrize("char", ["\x80", "\x85", "\x9b", "\x9f"])
def test_c1_controls_are_refused(char):
    assert refusal(validate_plain_text, char).code == "control_character"


@pytest.mark.parametrize("char", sorted(BIDI_CONTROLS))
def test_every_bidi_control_is_refused(char):
    error = refusal(validate_plain_text, f"invoice{char}fdp.exe")
    assert error.code == "bidi_control"
    (message,) = error.messages
    assert f"U+{ord(char):04X}" in message
    assert "text-direction" in message
    assert "position 8" in message


def test_bidi_set_is_exactly_the_documented_characters():
    expected = {*range(0x202A, 0x202F), *range(0x2066, 0x206A)}
    assert {ord(c) for c in BIDI_CONTROLS} == expected


def test_trojan_source_filename_is_refused():
    assert refusal(validate_plain_text, "invoice\u202efdp.exe").code == "bidi_control"


@pytest.mark.parametrize("char", ["\ud800", "\udbff", "\udc00", "\udfff"])
def test_lone_surrogates_are_refused(char):
    error = refusal(validate_plain_text, f"ok{char}")
    assert error.code == "invalid_encoding"
    assert "broken character" in error.messages[0]


def test_surrogateescape_decoded_bytes_are_refused():
    broken = b"caf\xe9 \xff".decode("utf-8", errors="surrogateescape")
    assert refusal(validate_plain_text, broken).code == "invalid_encoding"


def test_json_escaped_surrogate_is_refused():
    import json

    assert refusal(validate_plain_text, json.loads('"\\ud83d"')).code == "invalid_encoding"


def test_first_problem_is_reported():
    assert refusal(validate_plain_text, "a\u202eb\x00").code == "bidi_control"
    assert refusal(validate_plain_text, "a\x00b\u202e").code == "null_character"


def test_error_messages_are_lazy_translations():
    error = refusal(validate_plain_text, "\x00")
    assert type(error.message).__name__ == "__proxy__"


# --- validate_plain_text: what is accepted ------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "مرصد باليرمو لمكافحة الجريمة المنظمة",  # Arabic, right-to-left without any control
        "打击有组织犯罪观察站",
        "Наблюдательный совет «Палермо»",
        "Observatório da Criminalidade — São Paulo, Côte d'Ivoire, Zürich",
        "עמותה לשקיפות",
        "भ्रष्टाचार विरोधी मंच",
        "🇮🇹 👩🏽‍⚖️ 👨‍👩‍👧 🏴󠁧󠁢󠁳󠁣󠁴󠁿",  # flags, skin tones, ZWJ sequences, tag characters
        "فارسی‌نویسی",  # Persian zero-width non-joiner
        "line one\nline two\r\n\tindented",
        "",
    ],
)
def test_real_multilingual_text_is_accepted(text):
    validate_plain_text(text)


@given(st.text(alphabet=st.characters(exclude_categories=("Cc", "Cs"))))
def test_text_without_controls_or_surrogates_is_accepted_unless_bidi(text):
    if any(c in BIDI_CONTROLS for c in text):
        assert refusal(validate_plain_text, text).code == "bidi_control"
    else:
        validate_plain_text(text)


@given(st.text())
def test_validation_never_crashes(text):
    try:
        validate_plain_text(text)
    except ValidationError as error:
        assert error.code in {
            "null_character",
            "control_character",
            "bidi_control",
            "invalid_encoding",
        }
        assert error.messages


# --- validate_single_line -----------------------------------------------------------------------


@pytest.mark.parametrize("brk", ["\n", "\r", "\r\n", "\u2028", "\u2029"])
def test_single_line_refuses_line_breaks(brk):
    error = refusal(validate_single_line, f"Palermo{brk}Watch")
    assert error.code == "line_break"
    assert error.messages == ["This must be a single line: remove the line break at position 8."]


def test_single_line_still_applies_plain_text_rules():
    assert refusal(validate_single_line, "Palermo\u202eWatch").code == "bidi_control"
    assert refusal(validate_single_line, "Palermo\x00").code == "null_character"
    # Vertical tab, form feed and NEL are line breaks too; they are refused as controls.
    for char in ("\x0b", "\x0c", "\x85"):
        assert refusal(validate_single_line, f"a{char}b").code == "control_character"


def test_single_line_accepts_a_name_with_tabs_and_spaces():
    validate_single_line("Palermo\tWatch  Network – مرصد")


# --- normalise_name -----------------------------------------------------------------------------


def test_normalise_name_collapses_and_strips_whitespace():
    assert normalise_name("  Palermo \t  Watch\u00a0\u3000Network  ") == "Palermo Watch Network"


def test_normalise_name_folds_full_width_letters():
    assert normalise_name("Ｐａｌｅｒｍｏ　Ｗａｔｃｈ") == "Palermo Watch"


def test_normalise_name_folds_compatibility_forms_but_keeps_case_and_script():
    assert normalise_name("ﬁnance ２０２６") == "finance 2026"
    assert normalise_name("Pаlermo") == "Pаlermo"  # Cyrillic "а" is kept: detection, not rewrite
    assert normalise_name("Право") == "Право"


def test_normalise_name_composes_accents():
    assert normalise_name("Se\u0301gou") == "Ségou"


@given(st.text())
def test_normalise_name_is_idempotent_and_trimmed(text):
    once = normalise_name(text)
    assert normalise_name(once) == once
    assert once == once.strip()
    assert "  " not in once


# --- name_skeleton: look-alikes collide ---------------------------------------------------------


@pytest.mark.parametrize(
    "lookalike",
    [
        "Pаlermo Watch",  # Cyrillic а
        "Palermo  watch",
        "PALERMO WATCH",
        "Palermo-Watch!",
        "Ｐａｌｅｒｍｏ Ｗａｔｃｈ",  # full-width
        "𝐏𝐚𝐥𝐞𝐫𝐦𝐨 𝐖𝐚𝐭𝐜𝐡",  # mathematical bold
        "ᴘᴀʟᴇʀᴍᴏ ᴡᴀᴛᴄʜ",  # small capitals
        "ΡΑLΕRΜΟ WΑΤCΗ",  # Greek capitals
        "PaIermo Watch",  # capital I for l
        "Pa1ermo Watch",
        "Palerrno Watch",  # rn for m
        "Palerm0 Watch",
        "Palermó Wätch",
        "Pal\u200dermo\u00ad Wat\u200bch",  # zero-width joiner, soft hyphen, zero-width space
        "Palermo Wаtсh",  # Cyrillic а and с
        "Ρalermo Watch",  # Greek Ρ
    ],
)
def test_lookalikes_share_the_skeleton(lookalike):
    assert name_skeleton(lookalike) == name_skeleton("Palermo Watch")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Кenya Τransparency", "Kenya Transparency"),  # Cyrillic К, Greek Τ capitals
        ("ТНЕ ВАNК", "THE BANK"),  # Cyrillic capitals
        ("Право", "ПРАВО"),  # a Cyrillic name in both cases
        ("Straße", "STRASSE"),
        ("Côte d'Ivoire", "Cote dIvoire"),
        ("مُرْصَد", "مرصد"),  # Arabic with and without harakat
    ],
)
def test_more_pairs_that_should_collide(a, b):
    assert name_skeleton(a) == name_skeleton(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Palermo Watch", "Palermo Match"),
        ("Palermo Watch", "Palermo Watcher"),
        ("Transparency Initiative", "Transparency International"),
        ("Anti-Corruption Kenya", "Anti-Corruption Uganda"),
        ("Наблюдатель", "Наблюдение"),
        ("反腐败联盟", "反洗钱联盟"),
        ("مرصد الشفافية", "مرصد النزاهة"),
        ("بنت", "ثبت"),  # letters that differ only by their dots
        ("반부패 연대", "반부패 연합"),
        ("भ्रष्टाचार विरोधी", "भ्रष्टाचार विरोध"),
        ("Bar Association", "Car Association"),
    ],
)
def test_different_names_stay_different(a, b):
    assert name_skeleton(a) != name_skeleton(b)


def test_skeleton_ignores_bidi_and_surrounding_space():
    assert name_skeleton("\u202bPalermo Watch\u202c ") == name_skeleton("Palermo Watch")


def test_skeleton_of_only_punctuation_is_empty():
    assert name_skeleton(" -- ... !! ") == ""


# --- name_skeleton: properties ------------------------------------------------------------------

_CONFUSABLE_PAIRS = {
    "a": "а",  # Cyrillic
    "c": "с",
    "e": "е",
    "o": "о",
    "p": "р",
    "x": "х",
    "y": "у",
    "A": "Α",  # Greek
    "B": "Β",
    "E": "Ε",
    "H": "Η",
    "K": "Κ",
    "M": "Μ",
    "N": "Ν",
    "O": "Ο",
    "P": "Ρ",
    "T": "Τ",
    "X": "Χ",
    "Z": "Ζ",
}
latin_names = st.text(alphabet="abcdefghjknopqrstuvwxyzABCDEFGHJKLMNOPQRSTUVWXYZ -", max_size=30)


@given(latin_names, st.data())
def test_swapping_in_confusables_keeps_the_skeleton(name, data):
    swaps = [i for i, c in enumerate(name) if c in _CONFUSABLE_PAIRS]
    chosen = data.draw(st.sets(st.sampled_from(swaps))) if swaps else set()
    spoof = "".join(_CONFUSABLE_PAIRS[c] if i in chosen else c for i, c in enumerate(name))
    assert name_skeleton(spoof) == name_skeleton(name)


@given(latin_names)
def test_skeleton_ignores_case_and_spacing(name):
    assert name_skeleton(name.upper()) == name_skeleton(name.lower())
    assert name_skeleton(" ".join(name.split())) == name_skeleton(name)


@example("¢")
@example("ÐĦØ")
@example("ثبت")
@example("Ελλάδα ΕΛΛΑΔΑ")
@example("\ufdfa")
@given(st.text())
def test_skeleton_is_idempotent(text):
    skeleton = name_skeleton(text)
    assert name_skeleton(skeleton) == skeleton


@given(st.text())
def test_skeleton_is_stable_under_normalisation(text):
    assert name_skeleton(normalise_name(text)) == name_skeleton(text)
    assert name_skeleton(unicodedata.normalize("NFD", text)) == name_skeleton(text)


@given(st.text())
def test_skeleton_has_no_whitespace_or_invisible_characters(text):
    skeleton = name_skeleton(text)
    assert not any(c.isspace() for c in skeleton)
    assert not any(unicodedata.category(c) in ("Cc", "Cf") for c in skeleton)
    assert not BIDI_CONTROLS & set(skeleton)


@pytest.mark.parametrize("mark", ["\u200e", "\u200f", "\u061c"])
def test_direction_marks_typed_by_rtl_keyboards_are_accepted(mark):
    validate_plain_text(f"منظمة{mark} (NGO)")
    validate_single_line(f"منظمة{mark} (NGO)")
