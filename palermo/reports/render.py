"""Render compiled report content (palermo.reports.compile) as HTML context, PDF, DOCX,
CSV rows and JSON. Every format reads the same content, so they cannot disagree."""

import io

from django.conf import settings
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from palermo.common.charts import Bar, bar_chart_svg
from palermo.common.worldmap import MapRegion, world_map_svg
from palermo.organizations.enums import Language, OrganizationType
from palermo.reference.models import State
from palermo.reports.enums import FeedbackKind, ReportKind
from palermo.submissions.enums import Addressee, Priority

CSV_COLUMNS = (
    "reference",
    "recommendation",
    "author",
    "state",
    "state_name",
    "region",
    "cluster",
    "articles",
    "addressee",
    "priority",
    "text",
    "uptake",
    "url",
)


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def submission_url(reference: str) -> str:
    return settings.SITE_URL + reverse("submissions:submission_detail", args=[reference])


def _decorate_recommendation(rec: dict) -> dict:
    return {
        **rec,
        "addressee_label": _label(Addressee, rec["addressee"]),
        "priority_label": _label(Priority, rec["priority"]),
        "url": submission_url(rec["reference"]),
        "uptake": [{**u, "kind_label": _label(FeedbackKind, u["kind"])} for u in rec["uptake"]],
    }


def _counts(items: list[dict], choices=None) -> list[dict]:
    return [
        {**item, "label": _label(choices, item["key"]) if choices else item["key"]}
        for item in items
    ]


def _chart(items: list[dict], *, title: str, chart_id: str):
    return {
        "id": chart_id,
        "title": title,
        "rows": items,
        "svg": bar_chart_svg(
            [Bar(label=str(i["label"]), value=i["count"]) for i in items],
            title=title,
            chart_id=chart_id,
        ),
    }


COVERAGE_COLOURS = {
    "map-none": "#f2eee3",
    "coverage-0": "#e4e4e4",
    "coverage-1": "#b7d3e8",
    "coverage-3": "#5b9bc8",
    "coverage-10": "#1f5f8b",
}


def coverage_map(per_state: list[dict]):
    counts = {row["state"]: row["count"] for row in per_state}
    regions = {}
    for state in State.objects.exclude(m49="").only("code", "m49", "name"):
        count = counts.get(state.code, 0)
        band = "0" if count == 0 else "1" if count < 3 else "3" if count < 10 else "10"
        regions[state.code] = MapRegion(
            code=state.code,
            m49=state.m49,
            name=state.name,
            css_class=f"coverage-{band}",
            url=None,
            label=_("%(count)s submissions") % {"count": count},
        )
    svg = world_map_svg(
        regions=regions,
        title=_("Map of States by the number of civil-society submissions"),
        description=_("The table of States below gives the same numbers."),
    )
    # Colours as presentation attributes: WeasyPrint ignores SVG properties set by a
    # stylesheet, and the CSP forbids style attributes. The classes stay for the page's CSS.
    for css_class, colour in COVERAGE_COLOURS.items():
        svg = svg.replace(
            f'class="{css_class}"',
            f'class="{css_class}" fill="{colour}" stroke="#fff" stroke-width="0.3"',
        )
    return mark_safe(svg)


def facts_view(content: dict) -> list[dict]:
    from palermo.reports.docx import confidence_label  # one wording for every format

    return [
        {**fact, "confidence_label": confidence_label(fact["confidence"])}
        for fact in content["context"]["facts"]
    ]


def method_text(content: dict) -> str:
    from palermo.reports.docx import method_text as text

    return text(content)


def report_view(content: dict) -> dict:
    """The content with labels, links, charts and the map the templates need."""
    figures = content["figures"]
    view = {
        **content,
        "recommendations": [_decorate_recommendation(r) for r in content["recommendations"]],
        "languages": _counts(figures["languages"], Language),
        "types": _counts(figures["organization_types"], OrganizationType),
        "regions": _counts(figures["regions"]),
        "is_brief": content["kind"] == ReportKind.COUNTRY_BRIEF,
        "is_cluster": content["kind"] == ReportKind.CLUSTER_SYNTHESIS,
        "is_global": content["kind"] == ReportKind.GLOBAL_REPORT,
    }
    submissions = {
        s["reference"]: {**s, "url": submission_url(s["reference"])} for s in content["submissions"]
    }
    view["submissions"] = list(submissions.values())

    def articles(sections):
        return [
            {
                **section,
                "submissions": [
                    submissions[ref] for ref in section["submissions"] if ref in submissions
                ],
                "recommendations": [
                    _decorate_recommendation(r) for r in section["recommendations"]
                ],
            }
            for section in sections
        ]

    if "by_article" in content:
        view["by_article"] = articles(content["by_article"])
    if "by_region" in content:
        view["by_region"] = [
            {
                **region,
                "recommendations": [_decorate_recommendation(r) for r in region["recommendations"]],
            }
            for region in content["by_region"]
        ]
    if content["kind"] == ReportKind.GLOBAL_REPORT:
        view["chapters"] = [
            {**chapter, "by_article": articles(chapter["by_article"])}
            for chapter in content["chapters"]
        ]
        view["map"] = coverage_map(content["per_state"])
        quoted = {
            rec["reference"]
            for chapter in content["chapters"]
            for section in chapter["by_article"]
            for rec in section["recommendations"]
        }
        view["cited"] = [s for ref, s in submissions.items() if ref in quoted]
        names = {s["state"]: s["state_name"] for s in content["submissions"]}
        view["per_state"] = [
            {**row, "state_name": names.get(row["state"], row["state"])}
            for row in content["per_state"]
        ]
        view["charts"] = [
            _chart(
                [
                    {
                        "key": c["key"],
                        "label": _("Cluster %(n)s") % {"n": c["key"]},
                        "count": c["count"],
                    }
                    for c in content["per_cluster"]
                ],
                title=_("Submissions by cluster"),
                chart_id="chart-clusters",
            ),
            _chart(
                view["regions"],
                title=_("Submissions by region of the State under review"),
                chart_id="chart-regions",
            ),
            _chart(
                view["types"],
                title=_("Submissions by type of named organization"),
                chart_id="chart-types",
            ),
            _chart(
                view["languages"], title=_("Submissions by language"), chart_id="chart-languages"
            ),
        ]
    return view


# --- Files -------------------------------------------------------------------------------


def report_pdf(content: dict, *, snapshot=None) -> bytes:
    from palermo.common.pdf import render_pdf  # WeasyPrint loads only where PDFs are made

    return render_pdf(
        "reports/report_pdf.html",
        {
            "report": report_view(content),
            "snapshot": snapshot,
            "site_url": settings.SITE_URL,
            "method": method_text(content),
            "facts": facts_view(content),
        },
        language=content["language"],
        stylesheets=("css/report.css",),
    )


def report_docx(content: dict, *, snapshot=None) -> bytes:
    from palermo.reports.docx import build_docx  # python-docx loads only where DOCX is made

    buffer = io.BytesIO()
    build_docx(report_view(content), snapshot=snapshot).save(buffer)
    return buffer.getvalue()


def report_csv_rows(content: dict):
    """One row per recommendation, with its citation: the report's table as data."""
    yield CSV_COLUMNS
    for rec in content["recommendations"]:
        yield (
            rec["reference"],
            rec["number"],
            rec["author"],
            rec["state"],
            rec["state_name"],
            rec["region_name"],
            rec["cluster"],
            " ".join(rec["articles"]),
            rec["addressee"],
            rec["priority"],
            rec["text"],
            len(rec["uptake"]),
            submission_url(rec["reference"]),
        )
