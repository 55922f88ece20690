"""The interface in the five other UN languages: pages render translated, and every catalogue
is complete, free of fuzzy entries, placeholder-safe and compiled."""

# The expected headings are Arabic, Chinese and Russian text, not look-alike Latin letters.
# ruff: noqa: RUF001

import gettext
import html
import re
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

LOCALE = Path(__file__).resolve().parents[2] / "locale"

# language code (as in settings.LANGUAGES) -> (locale directory, nplurals, expected headings)
LANGUAGES = {
    "ar": (
        "ar",
        6,
        {
            "/": "أين وصلت استعراضات UNTOC، وما الذي يمكن للمجتمع المدني فعله بعد ذلك",
            "/states/": "الدول واستعراضاتها",
        },
    ),
    "zh-hans": (
        "zh_Hans",
        1,
        {
            "/": "UNTOC 审议进展如何，民间社会下一步可以做什么",
            "/states/": "各国及其审议",
        },
    ),
    "fr": (
        "fr",
        2,
        {
            "/": "Où en sont les examens de l'UNTOC, et ce que la société civile "
            "peut faire ensuite",
            "/states/": "Les États et leurs examens",
        },
    ),
    "ru": (
        "ru",
        3,
        {
            "/": "На каком этапе находятся обзоры UNTOC и что может сделать гражданское общество",
            "/states/": "Государства и их обзоры",
        },
    ),
    "es": (
        "es",
        2,
        {
            "/": "En qué punto están los exámenes de la UNTOC y qué puede hacer a continuación "
            "la sociedad civil",
            "/states/": "Los Estados y sus exámenes",
        },
    ),
}

PLACEHOLDER = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[sd]")


def _unquote(line: str) -> str:
    """The content of one PO string literal, with its C escapes resolved."""
    body = line[line.index('"') + 1 : line.rindex('"')]
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(0)), body)


def parse_po(path: Path) -> list[dict]:
    """A minimal PO reader: each entry's flags, msgid, msgid_plural and msgstr(s).

    Obsolete (#~) entries are skipped; multi-line strings are joined."""
    entries: list[dict] = []
    entry: dict = {}
    field = None

    def finish():
        nonlocal entry, field
        if "msgid" in entry:
            entries.append(entry)
        entry, field = {}, None

    def complete() -> bool:
        return any(key.startswith("msgstr") for key in entry)

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#"):
            if complete():
                finish()
            if line.startswith("#,"):
                entry.setdefault("flags", set()).update(
                    flag.strip() for flag in line[2:].split(",") if flag.strip()
                )
            continue
        match = re.match(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+\"", line)
        if match:
            if match.group(1) in ("msgctxt", "msgid") and complete():
                finish()
            field = match.group(1)
            entry[field] = _unquote(line)
        elif line.startswith('"') and field is not None:
            entry[field] += _unquote(line)
    finish()
    return entries


def _catalogue(code: str) -> Path:
    return LOCALE / LANGUAGES[code][0] / "LC_MESSAGES" / "django.po"


@pytest.mark.parametrize("code", LANGUAGES)
@pytest.mark.parametrize("path", ["/", "/states/"])
def test_pages_render_translated(client, code, path):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = code
    response = client.get(path)
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert f'<html lang="{code}"' in page
    assert LANGUAGES[code][2][path] in page
    assert ('dir="rtl"' in page) == (code == "ar")


@pytest.mark.parametrize("code", LANGUAGES)
def test_catalogue_is_complete_and_compiled(code):
    po = _catalogue(code)
    mo = po.with_suffix(".mo")
    assert po.is_file(), f"{po} is missing: run `make messages`"
    entries = parse_po(po)
    header, messages = entries[0], entries[1:]
    assert header["msgid"] == ""
    assert len(messages) > 100

    nplurals = LANGUAGES[code][1]
    plural_forms = re.search(r"^Plural-Forms:\s*(.*)$", header["msgstr"], re.MULTILINE)
    assert plural_forms, "the header has no Plural-Forms"
    assert f"nplurals={nplurals};" in plural_forms.group(1).replace(" ", "")

    problems = []
    for entry in entries:
        if "fuzzy" in entry.get("flags", ()):
            problems.append(f"fuzzy: {entry['msgid']!r}")
    for entry in messages:
        msgid = entry["msgid"]
        expected = sorted(PLACEHOLDER.findall(msgid))
        if "msgid_plural" in entry:
            forms = [entry.get(f"msgstr[{n}]", "") for n in range(nplurals)]
            extra = [key for key in entry if key.startswith(f"msgstr[{nplurals}")]
            if extra:
                problems.append(f"too many plural forms: {msgid!r}")
        else:
            forms = [entry.get("msgstr", "")]
        for form in forms:
            if not form.strip():
                problems.append(f"untranslated: {msgid!r}")
            elif sorted(PLACEHOLDER.findall(form)) != expected:
                problems.append(f"placeholders differ: {msgid!r} -> {form!r}")
    assert not problems, "\n".join(problems)

    assert mo.is_file(), f"{mo} is missing: run `make messages`"
    # Compare contents, not timestamps (a git checkout does not keep modification times):
    # every singular translation in the .po must be what the compiled .mo answers.
    with mo.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = [
        entry["msgid"]
        for entry in messages
        if "msgid_plural" not in entry and compiled.gettext(_with_context(entry)) != entry["msgstr"]
    ]
    assert not stale, f"{mo} is out of date (run `make messages`): {stale[:5]}"


def _with_context(entry: dict) -> str:
    context = entry.get("msgctxt")
    return f"{context}\x04{entry['msgid']}" if context else entry["msgid"]
