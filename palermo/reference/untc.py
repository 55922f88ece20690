"""Parsing of the UN Treaty Collection (UNTC) status of a treaty.

Pure functions, no database: they turn the participants table of a treaty's status into
`UntcRow`s, and map UNTC participant names to our State codes. The service that writes
participation is `palermo.reference.services.participation_import_untc`.

Two inputs are accepted (see docs/reference-data.md):

- the MTDSG XML that treaties.un.org publishes for each treaty, e.g.
  https://treaties.un.org/doc/Publication/MTDSG/Volume%20II/Chapter%20XVIII/XVIII-12.en.xml
  Its participants table is a CALS-style table::

      <Treaty>
        <Header><ExternalData>... <Status><Signatories>147</Signatories> ...</ExternalData>
        </Header>
        <Participants><Table><TGroup>
          <Thead><Row><Entry>Participant</Entry><Entry>Signature</Entry>
                      <Entry>Ratification, Acceptance(A), ..., Succession(d)</Entry></Row></Thead>
          <Tbody><Rows>
            <Row><Entry>Afghanistan</Entry><Entry/><Entry>24 Sep 2003 a</Entry></Row>
            ...
  Footnote markers follow names as markup escaped into the text
  ("Denmark&lt;superscript&gt;4&lt;/superscript&gt;"), and dates may contain tabs
  ("14 Dec\t 2000").
- the participants table of the status page saved as CSV, with the header row
  ``Participant,Signature,"Ratification, Acceptance(A), Approval(AA), Accession(a),
  Succession(d)"`` (EXPECTED_CSV_HEADER).
"""

import csv
import datetime as dt
import html
import io
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass

from palermo.reference.enums import ParticipationAction


class UntcFormatError(ValueError):
    """The input is not a UNTC participants table we can read; the message says why."""


@dataclass(frozen=True)
class UntcRow:
    """One participant row, with footnote markers removed from the name."""

    participant: str
    signature: dt.date | None
    consent: dt.date | None
    # The kind of consent to be bound; blank when there is no consent date.
    action: str
    line: int

    @property
    def is_party(self) -> bool:
        return self.consent is not None


# The suffix after a date in the consent column. A bare date is a ratification. Suffixes
# such as "c" (formal confirmation) or "s" (definitive signature) exist in other treaties;
# we have no action for them, so they are refused rather than forced into one of these.
SUFFIX_ACTIONS = {
    "": ParticipationAction.RATIFICATION,
    "a": ParticipationAction.ACCESSION,
    "A": ParticipationAction.ACCEPTANCE,
    "AA": ParticipationAction.APPROVAL,
    "d": ParticipationAction.SUCCESSION,
}

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
# "24 Sep 2003 a"; the UNTC brackets a few dates ("[20 Jan 2021 A]").
_DATE = re.compile(
    r"^\[?\s*(?P<day>\d{1,2})\s+(?P<month>[A-Za-z]{3,9})\.?\s+(?P<year>\d{4})"
    r"\s*(?P<suffix>[A-Za-z]{1,2})?\s*\]?$"
)
_WHITESPACE = re.compile(r"\s+")
# Footnote markers as escaped markup in the XML text, or as HTML in a copied page.
_FOOTNOTE_MARKUP = re.compile(r"<(superscript|sup)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
# What is left of a footnote marker once the markup is gone: "Denmark 4", "China6,7", "Fiji¹".
_TRAILING_FOOTNOTE = re.compile(r"[\s\d,\u00b9\u00b2\u00b3\u2070-\u2079]+$")
_FOOTNOTE_TAGS = {"superscript", "sup"}

_HEADER_CONSENT_WORDS = ("ratification", "accession", "acceptance", "approval", "succession")
EXPECTED_CSV_HEADER = (
    'Participant,Signature,"Ratification, Acceptance(A), Approval(AA), Accession(a), Succession(d)"'
)


# UNTC spellings that differ from our State names (palermo/reference/data/states.csv), by our
# code: the current ones and the names the UNTC used before a State's renaming, so that an
# older file still matches. Anything neither here nor equal to one of our names is reported
# as unmatched, never guessed.
ALIASES: dict[str, str] = {
    "Netherlands (Kingdom of the)": "NLD",
    "Turkey": "TUR",
    "European Community": "EUU",
    "Bolivia": "BOL",
    "Venezuela": "VEN",
    "Cape Verde": "CPV",
    "Czech Republic": "CZE",
    "Swaziland": "SWZ",
    "The former Yugoslav Republic of Macedonia": "MKD",
}


def normalize_name(value: str) -> str:
    """A participant name reduced for comparison: case, accents, typographic apostrophes
    and spacing are ignored, so "Côte d'Ivoire" and "Cote d'Ivoire" compare equal."""
    value = unicodedata.normalize("NFKD", value)
    value = "".join(char for char in value if not unicodedata.combining(char))
    value = value.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    return _WHITESPACE.sub(" ", value).strip().casefold()


def clean_participant(value: str) -> str:
    """The participant name without footnote markers or stray markup."""
    value = _clean_cell(value)
    return _TRAILING_FOOTNOTE.sub("", value).strip()


def _clean_cell(value: str) -> str:
    value = _FOOTNOTE_MARKUP.sub("", value)
    value = html.unescape(_TAG.sub("", value))
    return _WHITESPACE.sub(" ", value.replace("\xa0", " ")).strip()


def parse_untc_date(value: str, *, allow_suffix: bool = True) -> tuple[dt.date | None, str]:
    """Parse "24 Sep 2003 a" into (date, action). An empty cell gives (None, "")."""
    text = _clean_cell(value)
    if not text:
        return None, ""
    match = _DATE.match(text)
    month = _MONTHS.get(match["month"].casefold()) if match else None
    if not match or month is None:
        raise UntcFormatError(f"{text!r} is not a date like '24 Sep 2003' or '24 Sep 2003 a'")
    suffix = match["suffix"] or ""
    if suffix and not allow_suffix:
        raise UntcFormatError(f"{text!r}: a signature date takes no suffix")
    if suffix not in SUFFIX_ACTIONS:
        known = ", ".join(repr(key) for key in SUFFIX_ACTIONS if key)
        raise UntcFormatError(f"{text!r}: unknown suffix {suffix!r} (known: {known})")
    try:
        date = dt.date(int(match["year"]), month, int(match["day"]))
    except ValueError:
        raise UntcFormatError(f"{text!r} is not a valid date") from None
    return date, SUFFIX_ACTIONS[suffix]


def _columns(header: list[str]) -> tuple[int, int, int]:
    """The positions of the participant, signature and consent columns in a header row.

    Lenient about wording (the consent column's legend differs between treaties) but every
    column must be there exactly once."""
    labels = [_clean_cell(label).casefold() for label in header]
    consent = [
        i for i, label in enumerate(labels) if any(word in label for word in _HEADER_CONSENT_WORDS)
    ]
    participant = [i for i, label in enumerate(labels) if label.startswith("participant")]
    signature = [i for i, label in enumerate(labels) if "signature" in label and i not in consent]
    problems = []
    for name, found in (
        ("Participant", participant),
        ("Signature", signature),
        ("Ratification, Acceptance(A), Approval(AA), Accession(a), Succession(d)", consent),
    ):
        if not found:
            problems.append(f"no {name!r} column")
        elif len(found) > 1:
            problems.append(f"more than one {name!r} column")
    if problems:
        shown = ", ".join(repr(_clean_cell(label)) for label in header) or "nothing"
        raise UntcFormatError(
            f"Unexpected header: {'; '.join(problems)}. Expected {EXPECTED_CSV_HEADER}; "
            f"found {shown}."
        )
    return participant[0], signature[0], consent[0]


def _rows(cells: Iterable[tuple[int, list[str]]], columns: tuple[int, int, int]) -> list[UntcRow]:
    participant_at, signature_at, consent_at = columns
    width = max(columns) + 1
    rows = []
    for line, values in cells:
        if not any(value.strip() for value in values):
            continue
        values = values + [""] * (width - len(values))
        name = clean_participant(values[participant_at])
        if not name:
            raise UntcFormatError(f"Row {line}: no participant name")
        try:
            signature, _ = parse_untc_date(values[signature_at], allow_suffix=False)
            consent, action = parse_untc_date(values[consent_at])
        except UntcFormatError as error:
            raise UntcFormatError(f"Row {line} ({name}): {error}") from None
        if signature is None and consent is None:
            raise UntcFormatError(f"Row {line} ({name}): neither a signature nor a consent date")
        rows.append(
            UntcRow(
                participant=name,
                signature=signature,
                consent=consent,
                action=action if consent else "",
                line=line,
            )
        )
    if not rows:
        raise UntcFormatError("The participants table has no rows.")
    return rows


def parse_untc_csv(text: str) -> list[UntcRow]:
    """Parse the status page's participants table saved as CSV (first row: the header)."""
    try:
        records = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    except csv.Error as error:
        raise UntcFormatError(f"Not a readable CSV file: {error}") from None
    records = [(number, row) for number, row in enumerate(records, start=1) if any(row)]
    if not records:
        raise UntcFormatError("The CSV file is empty.")
    _, header = records[0]
    return _rows(records[1:], _columns(header))


def _entry_text(element: ET.Element) -> str:
    # Footnote markers that come as real child elements are dropped with their digits; the
    # text after them (the tail) is kept.
    parts = [element.text or ""]
    for child in element:
        if not (isinstance(child.tag, str) and child.tag.casefold() in _FOOTNOTE_TAGS):
            parts.append(_entry_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _load_xml(data: bytes) -> ET.Element:
    # The UNTC files declare no entities; refusing them rules out entity-expansion attacks
    # without a dependency on defusedxml.
    if b"<!ENTITY" in data:
        raise UntcFormatError("XML entity declarations are not accepted.")
    try:
        return ET.fromstring(data)
    except ET.ParseError as error:
        raise UntcFormatError(
            f"Not well-formed XML ({error}). Is this the UNTC XML file of the treaty "
            "(https://treaties.un.org/doc/Publication/MTDSG/...en.xml)?"
        ) from None


def _participants(root: ET.Element) -> ET.Element:
    participants = root if root.tag == "Participants" else root.find(".//Participants")
    if participants is None:
        raise UntcFormatError(
            "No <Participants> table in the XML. Is this the UNTC XML file of the treaty?"
        )
    return participants


def parse_untc_xml(data: bytes) -> list[UntcRow]:
    """Parse the participants table of a treaty's MTDSG XML (the raw bytes: the file declares
    its own encoding)."""
    participants = _participants(_load_xml(data))
    header_rows = [row for thead in participants.iter("Thead") for row in thead.iter("Row")]
    if not header_rows:
        raise UntcFormatError("The <Participants> table has no header row (<Thead>).")
    header = [_entry_text(entry) for entry in header_rows[0].findall("Entry")]
    body = [row for tbody in participants.iter("Tbody") for row in tbody.iter("Row")]
    cells = (
        (number, [_entry_text(entry) for entry in row.findall("Entry")])
        for number, row in enumerate(body, start=1)
    )
    return _rows(cells, _columns(header))


_STATUS_DATE = re.compile(
    r"\bas (?:at|of)\s*:?\s*(?:(?P<dmy>\d{1,2}-\d{1,2}-\d{4})|(?P<iso>\d{4}-\d{2}-\d{2})"
    r"|(?P<text>\d{1,2}\s+[A-Za-z]{3,9}\.?\s+\d{4}))",
    re.IGNORECASE,
)


def untc_xml_status_date(data: bytes) -> dt.date | None:
    """The "status as at" date if the XML's header states one, else None.

    The MTDSG XML files examined carry no such date (the status page shows it, the XML does
    not), so callers need the operator's --as-of; this only spares it when a file has one.
    UNTC writes day first: "as at 04-05-2024" is 4 May 2024."""
    root = _load_xml(data)
    header = root.find(".//Header")
    if header is None:
        return None
    match = _STATUS_DATE.search(_clean_cell(" ".join(header.itertext())))
    if not match:
        return None
    try:
        if match["dmy"]:
            day, month, year = (int(part) for part in match["dmy"].split("-"))
            return dt.date(year, month, day)
        if match["iso"]:
            return dt.date.fromisoformat(match["iso"])
        return parse_untc_date(match["text"], allow_suffix=False)[0]
    except (ValueError, UntcFormatError):
        return None


def match_states(
    rows: Iterable[UntcRow], names: dict[str, str]
) -> tuple[dict[str, UntcRow], list[str], list[str]]:
    """Match rows to State codes.

    `names` maps each State's name to its code. Returns (rows by code, unmatched names,
    duplicates): a name is matched on our name or on ALIASES, never by similarity. Two rows
    for the same State (e.g. "Turkey" and "Türkiye") keep the first and report the second."""
    lookup = {normalize_name(name): code for name, code in names.items()}
    codes = set(names.values())
    lookup.update({normalize_name(alias): code for alias, code in ALIASES.items() if code in codes})
    by_code: dict[str, UntcRow] = {}
    unmatched: list[str] = []
    duplicates: list[str] = []
    for row in rows:
        code = lookup.get(normalize_name(row.participant))
        if code is None:
            unmatched.append(row.participant)
        elif code in by_code:
            duplicates.append(
                f"{row.participant} (row {row.line}; same State as "
                f"{by_code[code].participant}, row {by_code[code].line})"
            )
        else:
            by_code[code] = row
    return by_code, unmatched, duplicates
