"""Compile a report's content from its inputs: plain, JSON-ready data that the HTML page,
the PDF, the DOCX and the CSV/JSON downloads all render.

`compile_report(kind, inputs, context)` is a pure function of the submission versions used
(with their public headers) and the reference facts in `context`. A snapshot stores all
three, so compiling its stored inputs again must give its stored content: that is how a
cited report can be checked.
"""

from collections import Counter, defaultdict

from palermo.reports.enums import ReportKind
from palermo.reports.queries import ReportInput

# The global report quotes, per article of each cluster chapter, up to this many
# high-priority recommendations (those taken up first, then the newest); every
# recommendation is counted, and all are in the report's data (CSV/JSON). Quoting all of
# them would make a PDF of a thousand pages over 5,000 submissions.
GLOBAL_QUOTED_PRIORITIES = ("high",)
GLOBAL_QUOTES_PER_ARTICLE = 3


def _submission(item: ReportInput, *, with_sources: bool) -> dict:
    """What a report says of a submission: its summary, not its full law and practice texts
    (a brief is brief; the submission's page and the API have them, and the global report
    over thousands of submissions must stay small)."""
    content, header = item.content, item.header
    return {
        "reference": header["reference"],
        "version": header["version"],
        "sha256": header["sha256"],
        "title": content["title"],
        "summary": content["summary"],
        "language": content.get("language", ""),
        "articles": content.get("articles", []),
        "sources": content.get("sources", []) if with_sources else [],
        "author": header["author"],
        "cosigners": header["cosigners"],
        "cosigner_count": header["cosigner_count"],
        "state": header["state"],
        "state_name": header["state_name"],
        "region": header["region"],
        "region_name": header["region_name"],
        "cluster": header["cluster"],
        "published": header["published"],
        "recommendation_count": len(content.get("recommendations", [])),
    }


def _recommendations(item: ReportInput) -> list[dict]:
    header = item.header
    uptake = header.get("uptake") or []
    ids = header.get("recommendation_ids") or []
    found = []
    for index, rec in enumerate(item.content.get("recommendations", [])):
        found.append(
            {
                "id": ids[index] if index < len(ids) else None,
                "reference": header["reference"],
                "author": header["author"],
                "number": index + 1,
                "text": rec["text"],
                "addressee": rec["addressee"],
                "priority": rec["priority"],
                "articles": rec.get("articles", []),
                "state": header["state"],
                "state_name": header["state_name"],
                "region": header["region"],
                "region_name": header["region_name"],
                "cluster": header["cluster"],
                "uptake": uptake[index] if index < len(uptake) else [],
            }
        )
    return found


def _article_sort(articles: dict, code: str):
    label = articles.get(code)
    if label:
        return (0, label["instrument"], label["number"])
    return (1, code, 0)


def _by_article(
    inputs: list[ReportInput],
    recommendations: list[dict],
    articles: dict,
    *,
    quote=None,
    limit: int | None = None,
) -> list[dict]:
    """One section per article: the submissions that cover it and the recommendations that
    name it. A recommendation naming no article is filed under its submission's articles."""
    sections: dict[str, dict] = {}

    def section(code: str) -> dict:
        if code not in sections:
            label = articles.get(code, {})
            sections[code] = {
                "code": code,
                "title": label.get("title", ""),
                "cluster": label.get("cluster", ""),
                "submissions": [],
                "recommendations": [],
                "recommendation_count": 0,
                "states": set(),
            }
        return sections[code]

    for item in inputs:
        for code in item.content.get("articles", []):
            entry = section(code)
            entry["submissions"].append(item.header["reference"])
            entry["states"].add(item.header["state"])
    articles_of = {item.header["reference"]: item.content.get("articles", []) for item in inputs}
    for rec in recommendations:
        for code in rec["articles"] or articles_of.get(rec["reference"], []):
            entry = section(code)
            entry["recommendation_count"] += 1
            if quote is None or rec["priority"] in quote:
                entry["recommendations"].append(rec)
    ordered = [sections[c] for c in sorted(sections, key=lambda c: _article_sort(articles, c))]
    for entry in ordered:
        entry["states"] = sorted(entry["states"])
        if limit is not None:
            # Taken up first, then the newest reference; the order is stable, so compiling
            # the same inputs again quotes the same ones.
            chosen = sorted(
                entry["recommendations"],
                key=lambda r: (not r["uptake"], _newest_first(r["reference"]), r["number"]),
            )
            entry["recommendations"] = chosen[:limit]
    return ordered


def _newest_first(reference: str) -> tuple[int, int]:
    _prefix, year, number = reference.split("-")
    return (-int(year), -int(number))


def _count(values) -> list[dict]:
    counts = Counter(v for v in values if v)
    return [
        {"key": key, "count": n}
        for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def _figures(inputs: list[ReportInput], recommendations: list[dict]) -> dict:
    headers = [item.header for item in inputs]
    named = {h["organization_slug"] for h in headers if h["organization_slug"]}
    return {
        "submissions": len(inputs),
        "recommendations": len(recommendations),
        "recommendations_taken_up": sum(1 for r in recommendations if r["uptake"]),
        "states": len({h["state"] for h in headers}),
        "organizations_named": len(named),
        "not_named": sum(1 for h in headers if not h["organization_slug"]),
        "regions": _count(h["region_name"] for h in headers),
        # Only for organizations the tier names: a type next to a State could identify a
        # pseudonymous author.
        "organization_types": _count(h["organization_type"] for h in headers),
        "languages": _count(item.content.get("language", "") for item in inputs),
        "articles": len({a for item in inputs for a in item.content.get("articles", [])}),
        "priorities": _count(r["priority"] for r in recommendations),
        "addressees": _count(r["addressee"] for r in recommendations),
    }


def _organizations(inputs: list[ReportInput]) -> list[dict]:
    """The annex of contributing organizations: only those a tier lets us name (attributed
    authors, coalition leads, co-signers of attributed submissions)."""
    found: dict[str, dict] = {}
    for item in inputs:
        header = item.header
        if header["organization"]:
            entry = found.setdefault(
                header["organization"], {"name": header["organization"], "submissions": []}
            )
            entry["submissions"].append(header["reference"])
        for signer in header["cosigners"]:
            if signer["withdrawn"]:
                continue
            entry = found.setdefault(signer["name"], {"name": signer["name"], "submissions": []})
            entry["submissions"].append(header["reference"])
    return [found[name] for name in sorted(found, key=str.casefold)]


def compile_report(kind: str, inputs: list[ReportInput], context: dict) -> dict:
    articles = context["articles"]
    recommendations = [rec for item in inputs for rec in _recommendations(item)]
    content = {
        "kind": kind,
        "title": context["title"],
        "as_of": context["as_of"],
        "language": context["language"],
        "context": context,
        "figures": _figures(inputs, recommendations),
        "submissions": [
            _submission(item, with_sources=kind == ReportKind.COUNTRY_BRIEF) for item in inputs
        ],
        "recommendations": recommendations,
        "organizations": _organizations(inputs),
    }
    if kind == ReportKind.COUNTRY_BRIEF:
        content["by_article"] = _by_article(inputs, recommendations, articles)
    elif kind == ReportKind.CLUSTER_SYNTHESIS:
        content.update(_cluster_parts(inputs, recommendations, context))
    elif kind == ReportKind.GLOBAL_REPORT:
        content.update(_global_parts(inputs, recommendations, context))
    else:
        raise ValueError(f"unknown report kind {kind!r}")
    return content


def _coverage(reviews: list[dict], inputs: list[ReportInput]) -> list[dict]:
    """States under review, by region, with their number of public submissions."""
    per_state = Counter(item.header["state"] for item in inputs)
    regions: dict[str, dict] = {}
    for review in reviews:
        region = regions.setdefault(
            review["region_name"] or "—", {"region": review["region_name"] or "—", "states": []}
        )
        region["states"].append({**review, "submissions": per_state.get(review["state"], 0)})
    for region in regions.values():
        region["with_input"] = sum(1 for s in region["states"] if s["submissions"])
    return [regions[name] for name in sorted(regions)]


def _by_region(recommendations: list[dict], *, quote=None) -> list[dict]:
    regions: dict[str, dict] = defaultdict(lambda: {"recommendations": [], "count": 0})
    for rec in recommendations:
        entry = regions[rec["region_name"] or "—"]
        entry["count"] += 1
        if quote is None or rec["priority"] in quote:
            entry["recommendations"].append(rec)
    return [{"region": name, **regions[name]} for name in sorted(regions)]


def _regions_figures(inputs: list[ReportInput], recommendations: list[dict]) -> list[dict]:
    regions: dict[str, list[ReportInput]] = defaultdict(list)
    for item in inputs:
        regions[item.header["region_name"] or "—"].append(item)
    result = []
    for name in sorted(regions):
        chosen = regions[name]
        references = {item.header["reference"] for item in chosen}
        recs = [r for r in recommendations if r["reference"] in references]
        articles = Counter(a for item in chosen for a in item.content.get("articles", []))
        result.append(
            {
                "region": name,
                "count": len(recs),
                "recommendations": [],
                "figures": _figures(chosen, recs),
                "top_articles": [
                    {"key": code, "count": n}
                    for code, n in sorted(articles.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
                ],
            }
        )
    return result


def _cluster_parts(inputs, recommendations, context) -> dict:
    articles = context["articles"]
    cluster_articles = sorted(
        (
            code
            for code, label in articles.items()
            if label["cluster"] == context["cluster"]["numeral"]
        ),
        key=lambda c: _article_sort(articles, c),
    )
    covered = sorted(
        {a for item in inputs for a in item.content.get("articles", [])},
        key=lambda c: _article_sort(articles, c),
    )
    columns = [c for c in cluster_articles if c in covered] + [
        c for c in covered if c not in cluster_articles
    ]
    cells: dict[str, Counter] = defaultdict(Counter)
    for item in inputs:
        for code in item.content.get("articles", []):
            cells[item.header["state"]][code] += 1
    names = {item.header["state"]: item.header["state_name"] for item in inputs}
    table = [
        {
            "state": code,
            "state_name": names[code],
            "cells": [cells[code].get(a, 0) for a in columns],
        }
        for code in sorted(cells, key=lambda c: names[c])
    ]
    return {
        "coverage": _coverage(context["reviews"], inputs),
        "matrix": {"articles": columns, "rows": table},
        "by_region": _by_region(recommendations),
        "by_article": _by_article(inputs, recommendations, articles),
    }


def _global_parts(inputs, recommendations, context) -> dict:
    articles = context["articles"]
    chapters = []
    for cluster in context["clusters"]:
        numeral = cluster["numeral"]
        chosen = [item for item in inputs if item.header["cluster"] == numeral]
        recs = [r for r in recommendations if r["cluster"] == numeral]
        chapters.append(
            {
                **cluster,
                "figures": _figures(chosen, recs),
                "by_article": _by_article(
                    chosen,
                    recs,
                    articles,
                    quote=GLOBAL_QUOTED_PRIORITIES,
                    limit=GLOBAL_QUOTES_PER_ARTICLE,
                ),
            }
        )
    unassigned = [item for item in inputs if not item.header["cluster"]]
    per_state = Counter(item.header["state"] for item in inputs)
    return {
        "chapters": chapters,
        "without_cluster": len(unassigned),
        # Regions: figures only; the quotes are in the cluster chapters already.
        "by_region": _regions_figures(inputs, recommendations),
        "per_state": [{"state": code, "count": n} for code, n in sorted(per_state.items())],
        "per_cluster": [
            {"key": c["numeral"], "count": c["figures"]["submissions"]} for c in chapters
        ],
        "quoted_priorities": list(GLOBAL_QUOTED_PRIORITIES),
        "quotes_per_article": GLOBAL_QUOTES_PER_ARTICLE,
    }
