"""The report as a Word document an organization can edit (python-docx). It walks the
same view data as the HTML and PDF templates; headings use Word's built-in heading styles
so Word's navigation pane and table of contents work."""

from django.utils.translation import gettext as _
from docx import Document
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt


def _rtl(document, language: str) -> None:
    if language != "ar":
        return
    for paragraph_style in ("Normal", "Heading 1", "Heading 2", "Heading 3"):
        properties = document.styles[paragraph_style].element.get_or_add_pPr()
        bidi = OxmlElement("w:bidi")
        properties.append(bidi)


def _table(document, header: list[str], rows: list[list]) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = str(text)
        for run in cell.paragraphs[0].runs:
            run.bold = True
    # Repeat the header row on every page.
    row_properties = table.rows[0]._tr.get_or_add_trPr()
    header_flag = OxmlElement("w:tblHeader")
    header_flag.set(qn("w:val"), "true")
    row_properties.append(header_flag)
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = "" if value is None else str(value)


def _recommendation(document, rec: dict) -> None:
    paragraph = document.add_paragraph(style="List Bullet")
    paragraph.add_run(rec["text"])
    paragraph.add_run(
        f" ({rec['addressee_label']}; {rec['priority_label']}) [{rec['reference']}]"
    ).italic = True
    for uptake in rec["uptake"]:
        document.add_paragraph(
            _("Taken up: %(kind)s, %(title)s (%(date)s) %(url)s")
            % {
                "kind": uptake["kind_label"],
                "title": uptake["title"],
                "date": uptake["date"],
                "url": uptake["url"],
            },
            style="List Bullet 2",
        )


def _articles(document, sections: list[dict], level: int, *, compact: bool = False) -> None:
    for section in sections:
        title = f"{section['code']} {section['title']}".strip()
        document.add_heading(title, level=level)
        if compact:
            document.add_paragraph(
                _("%(n)s submissions on %(states)s States, %(recs)s recommendations.")
                % {
                    "n": len(section["submissions"]),
                    "states": len(section["states"]),
                    "recs": section["recommendation_count"],
                }
            )
        elif section["submissions"]:
            document.add_paragraph(
                _("Submissions: %(list)s")
                % {
                    "list": ", ".join(
                        f"[{s['reference']}] {s['title']}" for s in section["submissions"]
                    )
                }
            )
        if section["recommendation_count"] > len(section["recommendations"]):
            document.add_paragraph(
                _(
                    "%(shown)s of %(total)s recommendations quoted (high priority); "
                    "all are in the report's data."
                )
                % {
                    "shown": len(section["recommendations"]),
                    "total": section["recommendation_count"],
                }
            )
        for rec in section["recommendations"]:
            _recommendation(document, rec)


def build_docx(report: dict, *, snapshot=None):
    document = Document()
    document.styles["Normal"].font.size = Pt(10.5)
    _rtl(document, report["language"])
    document.core_properties.title = report["title"]
    document.core_properties.author = "Palermo Hub"
    document.add_heading(report["title"], level=0)
    meta = _("Data as of %(date)s.") % {"date": report["as_of"]}
    if snapshot is not None:
        meta += " " + _("Edition %(edition)s.") % {"edition": snapshot.edition}
    document.add_paragraph(meta)

    figures = report["figures"]
    document.add_heading(_("In figures"), level=1)
    _table(
        document,
        [_("Figure"), _("Value")],
        [
            [_("Submissions"), figures["submissions"]],
            [_("Recommendations"), figures["recommendations"]],
            [_("Recommendations taken up"), figures["recommendations_taken_up"]],
            [_("States"), figures["states"]],
            [_("Organizations named"), figures["organizations_named"]],
            [_("Submissions whose authors are not named"), figures["not_named"]],
        ],
    )
    if not report["submissions"]:
        document.add_paragraph(
            _("No civil-society submission has been published for this report yet.")
        )

    context = report["context"]
    if report["is_brief"]:
        review = context.get("review")
        document.add_heading(_("The review"), level=1)
        if review:
            document.add_paragraph(
                _("Phase %(phase)s, group %(group)s, cluster %(cluster)s: %(progress)s.")
                % {
                    "phase": review["phase"],
                    "group": review["group"],
                    "cluster": review["cluster"]["numeral"],
                    "progress": review["progress"],
                }
            )
            _table(
                document,
                [_("Stage"), _("Expected"), _("Recorded")],
                [[m["stage"], m["expected"], m["observed"] or "—"] for m in review["milestones"]],
            )
        else:
            document.add_paragraph(_("No review of this State is recorded in the tracker yet."))
        document.add_heading(_("What civil society submitted, article by article"), level=1)
        _articles(document, report["by_article"], 2)
    elif report["is_cluster"]:
        document.add_heading(_("Coverage"), level=1)
        for region in report["coverage"]:
            document.add_heading(region["region"], level=2)
            _table(
                document,
                [_("State"), _("Submissions")],
                [[s["state_name"], s["submissions"]] for s in region["states"]],
            )
        document.add_heading(_("States and articles"), level=1)
        matrix = report["matrix"]
        if matrix["rows"]:
            _table(
                document,
                [_("State"), *matrix["articles"]],
                [[row["state_name"], *row["cells"]] for row in matrix["rows"]],
            )
        document.add_heading(_("Recommendations by region"), level=1)
        for region in report["by_region"]:
            document.add_heading(region["region"], level=2)
            for rec in region["recommendations"]:
                _recommendation(document, rec)
    else:
        document.add_heading(_("Coverage"), level=1)
        _table(
            document,
            [_("State"), _("Submissions")],
            [[row["state_name"], row["count"]] for row in report["per_state"]],
        )
        for chart in report["charts"]:
            document.add_heading(chart["title"], level=2)
            _table(
                document,
                [_("Category"), _("Submissions")],
                [[r["label"], r["count"]] for r in chart["rows"]],
            )
        for chapter in report["chapters"]:
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
            document.add_heading(
                _("Cluster %(numeral)s: %(name)s")
                % {"numeral": chapter["numeral"], "name": chapter["name"]},
                level=1,
            )
            if not chapter["confirmed"]:
                document.add_paragraph(_("This cluster's name or numeral is not yet confirmed."))
            document.add_paragraph(
                _("%(submissions)s submissions, %(recommendations)s recommendations.")
                % {
                    "submissions": chapter["figures"]["submissions"],
                    "recommendations": chapter["figures"]["recommendations"],
                }
            )
            _articles(document, chapter["by_article"], 2, compact=True)
        document.add_heading(_("By region"), level=1)
        _table(
            document,
            [_("Region"), _("Submissions"), _("States"), _("Recommendations"), _("Taken up")],
            [
                [
                    region["region"],
                    region["figures"]["submissions"],
                    region["figures"]["states"],
                    region["count"],
                    region["figures"]["recommendations_taken_up"],
                ]
                for region in report["by_region"]
            ],
        )

    document.add_heading(_("Submissions"), level=1)
    if report["is_global"]:
        _table(
            document,
            [_("Reference"), _("Title"), _("By"), _("State"), _("Version")],
            [
                [s["reference"], s["title"], s["author"], s["state_name"], s["version"]]
                for s in report["cited"]
            ],
        )
    for submission in [] if report["is_global"] else report["submissions"]:
        document.add_heading(f"[{submission['reference']}] {submission['title']}", level=2)
        document.add_paragraph(
            _("By %(author)s. Version %(version)s, SHA-256 %(sha)s.")
            % {
                "author": submission["author"],
                "version": submission["version"],
                "sha": submission["sha256"],
            }
        )
        if submission["cosigners"]:
            document.add_paragraph(
                _("Co-signed by %(names)s.")
                % {
                    "names": ", ".join(
                        c["name"] for c in submission["cosigners"] if not c["withdrawn"]
                    )
                }
            )
        elif submission["cosigner_count"]:
            document.add_paragraph(
                _("Co-signed by %(count)s organizations.") % {"count": submission["cosigner_count"]}
            )
        document.add_paragraph(submission["summary"])
        if report["is_brief"]:
            for source in submission["sources"]:
                document.add_paragraph(
                    " ".join(
                        p for p in (source["title"], source["url"], source["date"] or "") if p
                    ),
                    style="List Bullet",
                )
        document.add_paragraph(submission["url"])

    if report["organizations"]:
        document.add_heading(_("Annex: contributing organizations"), level=1)
        document.add_paragraph(_("Organizations that chose not to be named are not listed."))
        for organization in report["organizations"]:
            document.add_paragraph(
                f"{organization['name']} ({', '.join(organization['submissions'])})",
                style="List Bullet",
            )

    document.add_heading(_("Method"), level=1)
    document.add_paragraph(method_text(report))
    document.add_heading(_("Reference facts used"), level=2)
    _table(
        document,
        [_("Fact"), _("Value"), _("Confidence"), _("Note")],
        [
            [f["fact"], f["value"], confidence_label(f["confidence"]), f["note"]]
            for f in context["facts"]
        ],
    )
    return document


def confidence_label(code: str) -> str:
    return {"H": _("High"), "M": _("Medium"), "L": _("Low")}.get(code, code)


def method_text(report: dict) -> str:
    return _(
        "This report is compiled by Palermo Hub from the civil-society submissions published on "
        "the hub as of %(date)s, in the version each cites (reference and SHA-256 above). Each "
        "recommendation cites the submission it comes from. Authors are named only as their "
        "chosen identity tier allows: pseudonymous and anonymous submissions are described, "
        "never named, and their organization types are not counted. Reference facts carry the "
        "confidence shown; derived dates are marked as derived."
    ) % {"date": report["as_of"]}
