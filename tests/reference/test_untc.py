"""The UN Treaty Collection status importer: parsing, matching and the import command."""

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from palermo.common.enums import Confidence, Origin
from palermo.reference.enums import ParticipationAction, ParticipationStatus
from palermo.reference.models import Participation
from palermo.reference.untc import (
    UntcFormatError,
    UntcRow,
    match_states,
    parse_untc_csv,
    parse_untc_xml,
    untc_xml_status_date,
)

pytestmark = pytest.mark.integration

PAYLOADS = Path(__file__).parent / "payloads"
XML_FILE = PAYLOADS / "XVIII-12.en.xml"
CSV_FILE = PAYLOADS / "untoc_status.csv"
SOURCE = "https://treaties.un.org/doc/Publication/MTDSG/Volume%20II/Chapter%20XVIII/XVIII-12.en.xml"
CSV_HEADER = (
    'Participant,Signature,"Ratification, Acceptance(A), Approval(AA), Accession(a), Succession(d)"'
)


def run(path: Path, **options) -> str:
    out = StringIO()
    options = {"instrument": "untoc", "source_url": SOURCE, "as_of": "2024-05-04", **options}
    call_command("import_treaty_status", str(path), stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def untoc(code: str) -> Participation:
    return Participation.objects.get(state__code=code, instrument__code="untoc")


@pytest.fixture
def reference(db):
    call_command("load_reference", stdout=StringIO())


# Parsing ---------------------------------------------------------------------------------


def test_parse_xml_reads_names_dates_and_actions():
    rows = {row.participant: row for row in parse_untc_xml(XML_FILE.read_bytes())}

    assert len(rows) == 10
    # Footnote markers (escaped markup in the UNTC XML) are not part of the name.
    assert rows["Denmark"].consent == dt.date(2003, 9, 30)
    assert "Netherlands (Kingdom of the)" in rows
    assert rows["Afghanistan"] == UntcRow(
        participant="Afghanistan",
        signature=None,
        consent=dt.date(2003, 9, 24),
        action=ParticipationAction.ACCESSION,
        line=1,
    )
    assert rows["European Union"].action == ParticipationAction.APPROVAL
    assert rows["Japan"].action == ParticipationAction.ACCEPTANCE
    assert rows["Türkiye"].action == ParticipationAction.RATIFICATION
    # Signature only: a signatory, with no consent action.
    assert rows["Congo"].signature == dt.date(2000, 12, 14)
    assert rows["Congo"].consent is None and rows["Congo"].action == ""
    assert not rows["Congo"].is_party


def test_parse_xml_footnote_as_child_element():
    data = (
        b"<Document><Treaty><Participants><Table><TGroup>"
        b"<Thead><Row><Entry>Participant</Entry><Entry>Signature</Entry>"
        b"<Entry>Ratification, Accession(a), Succession(d)</Entry></Row></Thead>"
        b"<Tbody><Rows><Row><Entry>China<superscript>6,7</superscript></Entry>"
        b"<Entry>12 Dec 2000</Entry><Entry>[23 Sep 2003]</Entry></Row>"
        b"<Row><Entry>Montenegro</Entry><Entry/><Entry>23 Oct 2006 d</Entry></Row>"
        b"</Rows></Tbody></TGroup></Table></Participants></Treaty></Document>"
    )

    china, montenegro = parse_untc_xml(data)

    assert china.participant == "China"
    assert china.consent == dt.date(2003, 9, 23)
    assert montenegro.action == ParticipationAction.SUCCESSION


def test_parse_csv_reads_rows():
    rows = {row.participant: row for row in parse_untc_csv(CSV_FILE.read_text("utf-8"))}

    assert set(rows) == {
        "Afghanistan",
        "Congo",
        "Denmark",
        "European Union",
        "Japan",
        "Serbia and Montenegro",
        "Türkiye",
    }
    assert rows["Denmark"].line == 4
    assert rows["European Union"].action == ParticipationAction.APPROVAL
    assert rows["Congo"].signature == dt.date(2000, 12, 14) and not rows["Congo"].is_party


@pytest.mark.parametrize(
    "header",
    [
        CSV_HEADER,
        ' participant , SIGNATURE ,"Ratification,  Acceptance(A), Approval(AA),\nAccession(a)"',
        "\ufeffParticipant,Signature,Ratification Accession(a),Notes",
    ],
)
def test_parse_csv_is_lenient_about_header_wording(header):
    (row,) = parse_untc_csv(f"{header}\nJapan,12 Dec 2000,11 Jul 2017 A\n")

    assert row.consent == dt.date(2017, 7, 11)


@pytest.mark.parametrize(
    ("header", "missing"),
    [
        ("Participant,Signature", "'Ratification, Acceptance(A)"),
        ('Country,Signature,"Ratification, Accession(a)"', "'Participant'"),
        ('Participant,"Ratification, Accession(a)"', "'Signature'"),
    ],
)
def test_parse_csv_refuses_a_missing_column(header, missing):
    with pytest.raises(UntcFormatError, match="Unexpected header") as error:
        parse_untc_csv(f"{header}\nJapan,12 Dec 2000\n")

    assert f"no {missing}" in str(error.value)
    assert "Expected Participant,Signature" in str(error.value)


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("31 Feb 2004", "not a valid date"),
        ("2004-05-21", "not a date like"),
        ("21 Mai 2004", "not a date like"),
        ("21 May 2004 c", "unknown suffix 'c'"),
    ],
)
def test_parse_refuses_a_bad_date(cell, message):
    with pytest.raises(UntcFormatError, match=message) as error:
        parse_untc_csv(f"{CSV_HEADER}\nJapan,12 Dec 2000,11 Jul 2017 A\nEstonia,,{cell}\n")

    assert "Row 3 (Estonia)" in str(error.value)


def test_parse_refuses_malformed_xml_and_other_documents():
    with pytest.raises(UntcFormatError, match="Not well-formed XML"):
        parse_untc_xml(b"<Document><Treaty>")
    with pytest.raises(UntcFormatError, match="No <Participants> table"):
        parse_untc_xml(b"<html><body>urgent maintenance</body></html>")
    with pytest.raises(UntcFormatError, match="entity declarations"):
        parse_untc_xml(b'<!DOCTYPE d [<!ENTITY a "aaaa">]><d>&a;</d>')


def test_xml_status_date_only_when_the_file_states_one():
    assert untc_xml_status_date(XML_FILE.read_bytes()) is None
    data = (
        b"<Document><Treaty><Header><ExternalData><Status>Status as at : 04-05-2024 "
        b"09:15:29 EDT</Status></ExternalData></Header></Treaty></Document>"
    )

    assert untc_xml_status_date(data) == dt.date(2024, 5, 4)


def test_match_states_uses_names_and_aliases_never_similarity():
    names = {"Türkiye": "TUR", "Netherlands": "NLD", "Côte d'Ivoire": "CIV", "Congo": "COG"}
    rows = [
        UntcRow(participant, None, dt.date(2003, 1, 1), "ratification", line)
        for line, participant in enumerate(
            [
                "Turkey",
                "Netherlands (Kingdom of the)",
                "Cote d\u2019Ivoire",
                "Türkiye",
                "Republic of Congo",
                "Congo",
            ],
            start=1,
        )
    ]

    by_code, unmatched, duplicates = match_states(rows, names)

    assert {code: row.participant for code, row in by_code.items()} == {
        "TUR": "Turkey",
        "NLD": "Netherlands (Kingdom of the)",
        "CIV": "Cote d\u2019Ivoire",
        "COG": "Congo",
    }
    assert unmatched == ["Republic of Congo"]
    assert duplicates == ["Türkiye (row 4; same State as Turkey, row 1)"]


# Import ----------------------------------------------------------------------------------


def test_import_updates_status_with_its_source(reference):
    output = run(XML_FILE)

    afghanistan = untoc("AFG")
    assert (afghanistan.status, afghanistan.action) == (
        ParticipationStatus.PARTY,
        ParticipationAction.ACCESSION,
    )
    assert afghanistan.date == dt.date(2003, 9, 24)
    assert afghanistan.sources == SOURCE
    assert afghanistan.confidence == Confidence.HIGH
    assert afghanistan.as_of == "2024-05-04"
    assert afghanistan.origin == Origin.UNTC
    eu = untoc("EUU")
    assert (eu.action, eu.date) == (ParticipationAction.APPROVAL, dt.date(2004, 5, 21))
    congo = untoc("COG")
    assert (congo.status, congo.action, congo.date, congo.confidence) == (
        ParticipationStatus.SIGNATORY,
        "",
        dt.date(2000, 12, 14),
        Confidence.HIGH,
    )
    # Matched through an alias, a footnoted name and a curly apostrophe.
    assert untoc("NLD").sources == SOURCE
    assert untoc("DNK").sources == SOURCE
    assert untoc("CIV").sources == SOURCE
    assert untoc("TUR").sources == SOURCE
    assert "participations: 0 created, 9 updated, 0 unchanged" in output
    assert "unmatched name (not imported): Serbia and Montenegro" in output
    assert "not in the file (left alone): Somalia (Not party)" in output


def test_import_touches_only_the_given_instrument(reference):
    def others():
        return list(
            Participation.objects.exclude(instrument__code="untoc")
            .order_by("pk")
            .values_list("pk", "status", "action", "date", "sources", "as_of", "confidence")
        )

    before = others()
    somalia = untoc("SOM")

    run(XML_FILE)

    assert others() == before
    # A State missing from the file keeps its row as it was.
    assert untoc("SOM").sources == somalia.sources
    assert untoc("SOM").status == ParticipationStatus.NOT_PARTY


def test_import_creates_a_missing_row(reference):
    untoc("BTN").delete()

    output = run(XML_FILE)

    bhutan = untoc("BTN")
    assert (bhutan.status, bhutan.action, bhutan.date) == (
        ParticipationStatus.PARTY,
        ParticipationAction.ACCESSION,
        dt.date(2023, 2, 20),
    )
    assert bhutan.sources == SOURCE
    assert "participations: 1 created, 8 updated, 0 unchanged" in output


def test_import_keeps_a_coordinator_correction_unless_told(reference):
    denmark = untoc("DNK")
    denmark.date = dt.date(2003, 10, 1)
    denmark.sources = "https://example.org/danish-gazette"
    denmark.origin = Origin.CORRECTION
    denmark.save()

    output = run(XML_FILE)

    denmark.refresh_from_db()
    assert denmark.date == dt.date(2003, 10, 1)
    assert denmark.origin == Origin.CORRECTION
    assert "skipped (newer values kept): participations Denmark / UNTOC" in output
    assert "1 corrections kept" in output

    output = run(XML_FILE, overwrite_corrections=True)

    denmark.refresh_from_db()
    assert denmark.date == dt.date(2003, 9, 30)
    assert denmark.sources == SOURCE
    assert denmark.origin == Origin.UNTC
    assert "0 corrections kept" in output


def test_import_is_idempotent(reference):
    run(XML_FILE)
    history = Participation.history.count()

    output = run(XML_FILE)

    assert "participations: 0 created, 0 updated, 9 unchanged" in output
    assert "0 changes, 0 corrections kept" in output
    assert Participation.history.count() == history


def test_dry_run_writes_nothing(reference):
    before = list(Participation.objects.order_by("pk").values())
    history = Participation.history.count()

    output = run(XML_FILE, dry_run=True)

    assert "9 changes" in output
    assert "Dry run: nothing was written." in output
    assert list(Participation.objects.order_by("pk").values()) == before
    assert Participation.history.count() == history


def test_import_writes_history(reference):
    versions = untoc("AFG").history.count()

    run(XML_FILE)

    afghanistan = untoc("AFG")
    assert afghanistan.history.count() == versions + 1
    latest = afghanistan.history.first()
    assert latest.sources == SOURCE
    assert latest.action == ParticipationAction.ACCESSION
    assert "action" in latest.history_change_reason


def test_import_from_csv(reference):
    output = run(CSV_FILE)

    assert untoc("JPN").sources == SOURCE
    assert untoc("EUU").action == ParticipationAction.APPROVAL
    assert untoc("TUR").confidence == Confidence.HIGH
    assert "participations: 0 created, 6 updated, 0 unchanged" in output
    assert "unmatched name (not imported): Serbia and Montenegro" in output


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("name", "content", "options", "message"),
    [
        ("status.xml", "<Document><Treaty>", {}, "Not well-formed XML"),
        ("status.csv", "Country,Date\nJapan,2017\n", {}, "Unexpected header: no 'Participant'"),
        (
            "status.csv",
            f"{CSV_HEADER}\nJapan,12 Dec 2000,31 Jun 2017 A\n",
            {},
            r"Row 2 \(Japan\): '31 Jun 2017 A' is not a valid date",
        ),
        (
            "status.csv",
            f"{CSV_HEADER}\n".encode() + "Côte d'Ivoire,,".encode("cp1252"),
            {},
            "not UTF-8",
        ),
        ("status.csv", "", {}, "The CSV file is empty"),
        ("status.txt", "", {}, "give --format xml or csv"),
        ("status.csv", "", {"as_of": "4 May 2024"}, "--as-of: '4 May 2024' is not a date"),
        ("status.csv", "", {"source_url": "treaties.un.org/status"}, "--source-url"),
        ("status.csv", "", {"instrument": "gatt"}, "no instrument 'gatt'"),
    ],
)
def test_bad_input_is_a_command_error(reference, tmp_path, name, content, options, message):
    if options.get("as_of"):
        content = f"{CSV_HEADER}\nJapan,12 Dec 2000,11 Jul 2017 A\n"
    path = write(tmp_path, name, content)

    with pytest.raises(CommandError, match=message):
        run(path, **options)


def test_missing_file_is_a_command_error(reference, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run(tmp_path / "XVIII-12.en.xml")


def test_as_of_is_required_when_the_file_has_no_date(reference):
    with pytest.raises(CommandError, match="--as-of is required"):
        run(XML_FILE, as_of=None)


def test_the_file_of_another_treaty_is_refused(reference):
    with pytest.raises(CommandError, match="is the UNTC file of XVIII-12, but --instrument tip"):
        run(XML_FILE, instrument="tip")


def test_curated_reload_keeps_the_newer_treaty_collection_values(reference):
    run(XML_FILE)
    afghanistan = untoc("AFG")
    out = StringIO()
    call_command("load_reference", stdout=out)
    assert untoc("AFG") == afghanistan
    assert untoc("AFG").sources == afghanistan.sources
    assert "(UN Treaty Collection import)" in out.getvalue()
    call_command("load_reference", "--overwrite-corrections", stdout=StringIO())
    assert untoc("AFG").origin == Origin.IMPORT
