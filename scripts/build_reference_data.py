"""Build the curated reference files in palermo/reference/data/ from ../shared/reference/.

Dev-only: run it when the shared research files change, review the diff, commit the result.
The app never reads ../shared/; `manage.py load_reference` reads only the curated files
(palermo/reference/data/ and palermo/reviews/data/).

    .venv/bin/python scripts/build_reference_data.py [--shared ../shared/reference]

Rules applied here (see docs/reference-data.md):
- only facts with a source are written, each with a confidence H/M/L;
- an article's cluster comes from clusters_verified.csv only (the column in articles.csv
  and the "recalled hypothesis" for clusters II-IV are not evidence);
- treaty status prefers treaty_status.csv; a State x instrument pair without evidence is
  not written at all and shows as "status unknown".
"""

import argparse
import csv
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "palermo" / "reference" / "data"
REVIEWS_OUT = ROOT / "palermo" / "reviews" / "data"
URL = re.compile(r"https?://[^\s;,)]+")

INSTRUMENTS = [
    # code, abbreviation, csv name, title, adopted by, UNTC chapter
    (
        "untoc",
        "UNTOC",
        "UNTOC",
        "United Nations Convention against Transnational Organized Crime",
        "GA res. 55/25, annex I",
        "XVIII-12",
    ),
    (
        "tip",
        "TIP",
        "TIP",
        "Protocol to Prevent, Suppress and Punish Trafficking in Persons, Especially Women and "
        "Children",
        "GA res. 55/25, annex II",
        "XVIII-12-a",
    ),
    (
        "som",
        "SOM",
        "SOM",
        "Protocol against the Smuggling of Migrants by Land, Sea and Air",
        "GA res. 55/25, annex III",
        "XVIII-12-b",
    ),
    (
        "firearms",
        "FA",
        "FA",
        "Protocol against the Illicit Manufacturing of and Trafficking in Firearms, Their Parts "
        "and Components and Ammunition",
        "GA res. 55/255",
        "XVIII-12-c",
    ),
]
CSV_TO_CODE = {csv_name: code for code, _, csv_name, *_ in INSTRUMENTS}

REGIONAL_GROUPS = [
    ("african", "African States", "Africa"),
    ("asia-pacific", "Asia-Pacific States", "APG"),
    ("eastern-european", "Eastern European States", "EEG"),
    ("latin-american-caribbean", "Latin American and Caribbean States", "GRULAC"),
    ("weog", "Western European and other States", "WEOG"),
]
GROUP_BY_NAME = {name: code for code, name, _ in REGIONAL_GROUPS}

UNTC = "https://treaties.un.org/Pages/ViewDetails.aspx?src=TREATY&mtdsg_no={}&chapter=18&lang=en"
UNODC_OVERVIEW = (
    "https://unodc.org/unodc/en/organized-crime/intro/review-mechanism-untoc/overview.html"
)
UNODC_1NOV = (
    "https://unodc.org/unodc/en/organized-crime/intro/review-mechanism-untoc/news/1stnovember.html"
)
LSI_2022 = "https://www.lastradainternational.org/news/constructive-dialogues-un-review-mechanism/"


def urls(text: str) -> str:
    return " ; ".join(dict.fromkeys(URL.findall(text or "")))


def read(shared: Path, name: str) -> list[dict[str, str]]:
    with (shared / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write(name: str, fields: list[str], rows: list[dict], out: Path = OUT) -> None:
    with (out / name).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{name}: {len(rows)} rows")


def build_instruments() -> None:
    rows = [
        {
            "code": code,
            "abbreviation": abbr,
            "title": title,
            "adopted_by": adopted,
            "treaty_series": chapter,
            "order": i,
            "sources": UNTC.format(chapter),
            "confidence": "H",
        }
        for i, (code, abbr, _, title, adopted, chapter) in enumerate(INSTRUMENTS, start=1)
    ]
    write("instruments.csv", list(rows[0]), rows)


def build_clusters() -> None:
    rows = [
        {
            "numeral": "I",
            "name": "Criminalization and jurisdiction",
            "review_order": 1,
            "numeral_confidence": "M",
            "name_confidence": "H",
            "order_confidence": "H",
            "sources": f"{UNODC_1NOV} ; {LSI_2022}",
            "note": "Name confirmed by UNODC; the numeral I comes from La Strada International "
            "and GAATW.",
        },
        {
            "numeral": "IV",
            "name": "International cooperation, mutual legal assistance and confiscation",
            "review_order": 2,
            "numeral_confidence": "L",
            "name_confidence": "M",
            "order_confidence": "M",
            "sources": f"{LSI_2022} ; https://pdfslide.us/documents/ctoc-conference-of-the-parties"
            "-to-the-united-nations-identification-tracing.html",
            "note": "Second cluster reviewed (from November 2022) per La Strada International. "
            "That it is numbered IV is inferred from a Secretariat questionnaire titled "
            "'Cluster IV' (CTOC/COP/WG.10/2020/5); not confirmed.",
        },
        {
            "numeral": "III",
            "name": "Law enforcement and judicial system",
            "review_order": 3,
            "numeral_confidence": "L",
            "name_confidence": "L",
            "order_confidence": "L",
            "sources": UNODC_OVERVIEW,
            "note": "Four clusters are reviewed in four phases (UNODC). The name and the numeral "
            "of this cluster are recalled wording, not yet confirmed by any source; its "
            "place in the order is inferred.",
        },
        {
            "numeral": "II",
            "name": "Prevention, technical assistance, protection measures and other measures",
            "review_order": 4,
            "numeral_confidence": "L",
            "name_confidence": "L",
            "order_confidence": "L",
            "sources": "https://vdocuments.site/web-view-please-provide-examples-of-the-successful"
            "-implementation-of-this-provision.html",
            "note": "A 'Cluster II' questionnaire (CTOC/COP/WG.10/2020/3) exists; its name and "
            "its place in the order are not yet confirmed.",
        },
    ]
    write("clusters.csv", list(rows[0]), rows)


def build_articles(shared: Path) -> None:
    evidence = {
        (row["instrument"], row["article"]): row for row in read(shared, "clusters_verified.csv")
    }
    rows = []
    for row in read(shared, "articles.csv"):
        found = evidence.get((row["instrument"], row["article"]))
        rows.append(
            {
                "instrument": CSV_TO_CODE[row["instrument"]],
                "number": int(row["article"]),
                "title": row["title"].strip(),
                "sources": urls(row["title_source"]),
                "confidence": "H",
                "cluster": found["cluster_numeral"] if found else "",
                "cluster_confidence": found["confidence"] if found else "",
                "cluster_sources": urls(found["evidence_url"]) if found else "",
                "cluster_note": " ".join(found["evidence_note"].split()) if found else "",
            }
        )
    write("articles.csv", list(rows[0]), rows)


def build_states(shared: Path) -> None:
    groups = {}
    for row in read(shared, "regional_groups.csv"):
        groups.setdefault(row["iso3"], []).append(row)
    rows = []
    for row in read(shared, "states.csv"):
        code = row["iso3"] or "EUU"
        listed = groups.get(row["iso3"], [])
        group, note = "", ""
        if row["regional_group"].startswith("Western European and other States"):
            group = "weog"
        elif row["regional_group"] in GROUP_BY_NAME:
            group = GROUP_BY_NAME[row["regional_group"]]
        if len(listed) > 1 or (listed and listed[0]["note"]):
            note = listed[0]["note"]
        if not group:
            note = (
                "Not a member of a UN regional group; how the Mechanism's same-region rule "
                "applies is not documented."
            )
        kind = (
            "un_member"
            if row["un_member"] == "yes"
            else ("organization" if code == "EUU" else "non_member")
        )
        rows.append(
            {
                "code": code,
                "is_iso_code": "no" if code == "EUU" else "yes",
                "m49": listed[0]["m49_numeric"]
                if listed
                else {"COK": "184", "VAT": "336", "NIU": "570", "PSE": "275"}.get(code, ""),
                "name": row["name"],
                "kind": kind,
                "regional_group": group,
                "regional_group_confidence": "M" if group else "",
                "regional_group_sources": urls(listed[0]["source"]) if listed and group else "",
                "regional_group_note": note,
            }
        )
    write("states.csv", list(rows[0]), rows)


def participation_confidence(row: dict[str, str]) -> str:
    as_of, source = row["as_of"], row["source_url"]
    if "inferred" in as_of or "undated secondary" in as_of:
        return "L"
    if "untreaties" in source or "treaties.un.org" in source:
        # A 2014 "signatory only" may have become a party since.
        return "H" if row["status"] == "party" else "M"
    return "M"


def build_participation(shared: Path) -> None:
    states = {row["name"]: row["iso3"] or "EUU" for row in read(shared, "states.csv")}
    rows = []
    for row in read(shared, "treaty_status.csv"):
        date = row["date"]
        precision = {10: "day", 7: "month", 4: "year", 0: ""}[len(date)]
        if precision == "month":
            date += "-01"
        elif precision == "year":
            date += "-01-01"
        rows.append(
            {
                "state": row["iso3"] or states[row["state"]],
                "instrument": CSV_TO_CODE[row["instrument"]],
                "status": row["status"],
                "action": ""
                if row["action"] == "signature" and row["status"] == "signatory"
                else row["action"],
                "date": date,
                "date_precision": precision or "day",
                "as_of": row["as_of"],
                "sources": urls(row["source_url"]),
                "confidence": participation_confidence(row),
                "note": "",
            }
        )
    seen = {(r["state"], r["instrument"]) for r in rows}
    # The only evidence of UNTOC non-participation: one undated list of seven non-parties,
    # one of which has joined since (UNTC counted 192 parties in May 2024). Hence L.
    for row in read(shared, "states.csv"):
        code = row["iso3"] or "EUU"
        if row["untoc_status"].startswith("NOT party") and (code, "untoc") not in seen:
            rows.append(
                {
                    "state": code,
                    "instrument": "untoc",
                    "status": "not_party",
                    "action": "",
                    "date": "",
                    "date_precision": "day",
                    "as_of": "undated secondary list (c. 2021-2023)",
                    "sources": urls(row["untoc_source"]),
                    "confidence": "L",
                    "note": (
                        "Listed as a non-party by an undated secondary list; the UN counted "
                        "192 parties in May 2024, so one listed non-party has joined since."
                    ),
                }
            )
    rows.sort(key=lambda r: (r["state"], r["instrument"]))
    write("participation.csv", list(rows[0]), rows)


def build_topics(shared: Path) -> None:
    """Crime markets and resilience indicators of the Global Organized Crime Index, used to
    describe expertise. A name only recalled, not seen in a source, is confidence L."""
    rows = []
    for row in read(shared, "ocindex_taxonomy.csv"):
        if row["pillar"] not in {"criminal_market", "resilience_indicator"}:
            continue
        code = re.sub(r"[^a-z0-9]+", "-", row["name"].lower()).strip("-")
        rows.append(
            {
                "code": code,
                "pillar": "market" if row["pillar"] == "criminal_market" else "resilience",
                "name": row["name"],
                "sources": urls(row["source"]),
                "confidence": "L" if row["status"].startswith("recalled") else "M",
            }
        )
    write("topics.csv", list(rows[0]), rows)


def build_reviews(shared: Path) -> None:
    groups = [
        {
            "number": 1,
            "start_date": "2020-11-01",
            "start_precision": "year",
            "start_is_derived": "yes",
            "confidence": "M",
            "sources": f"{UNODC_1NOV} ; https://globalinitiative.net/analysis/untoc-review-civil-"
            "society/",
            "note": "Launched after COP10 (October 2020); focal points were due in December 2020. "
            "Day and month assumed to match group 3's 1 November start.",
        },
        {
            "number": 2,
            "start_date": "2021-11-01",
            "start_precision": "year",
            "start_is_derived": "yes",
            "confidence": "M",
            "sources": UNODC_1NOV,
            "note": "Year sourced; day and month assumed to match group 3's 1 November start.",
        },
        {
            "number": 3,
            "start_date": "2022-11-01",
            "start_precision": "day",
            "start_is_derived": "no",
            "confidence": "M",
            "sources": UNODC_1NOV,
            "note": "UNODC announced the launch on 1 November; the year 2022 is inferred.",
        },
    ]
    write("review_groups.csv", list(groups[0]), groups, REVIEWS_OUT)

    by_name = {
        "Criminalization and jurisdiction": "I",
        "International cooperation, mutual legal assistance and confiscation": "IV",
        "Law enforcement and judicial system (name unverified)": "III",
        "Prevention, technical assistance, protection measures and other measures "
        "(name unverified)": "II",
    }
    phases = []
    for row in read(shared, "workplan_derived.csv"):
        group, number = int(row["group"]), int(row["phase"])
        year = 2020 + (group - 1) + 2 * (number - 1)
        derived = row["status"].startswith("DERIVED")
        sources = urls(row["basis"]) or UNODC_OVERVIEW
        phases.append(
            {
                "group": group,
                "number": number,
                "cluster": by_name[row["cluster_name"]],
                "expected_start": f"{year}-11-01",
                "expected_end": f"{year + 2}-10-31",
                "is_derived": "yes",
                "confidence": "L" if derived else "M",
                "sources": sources,
                "basis": (
                    "Derived from the workplan pattern: group g starts phase p in "
                    "2020 + (g - 1) + 2 (p - 1); phases last two years; day and month "
                    "assumed from group 3's 1 November start."
                    if derived
                    else f"{row['status']}; expected {row['expected_start']} to "
                    f"{row['expected_end']}. Day and month assumed from group 3's "
                    "1 November start."
                ),
            }
        )
    write("phases.csv", list(phases[0]), phases, REVIEWS_OUT)

    states = {row["name"]: row["iso3"] or "EUU" for row in read(shared, "states.csv")}
    members = [
        {
            "state": states[row["state"]],
            "group": int(row["group"]),
            "sources": urls(row["source"]),
            "confidence": "M",
            "note": "Named by a civil-society source as a State under review in this group; "
            "the full group lists are not published.",
        }
        for row in read(shared, "review_groups_partial.csv")
    ]
    write("group_memberships.csv", list(members[0]), members, REVIEWS_OUT)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "reference")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    build_instruments()
    build_clusters()
    build_articles(args.shared)
    build_states(args.shared)
    build_participation(args.shared)
    build_topics(args.shared)
    build_reviews(args.shared)


if __name__ == "__main__":
    main()
