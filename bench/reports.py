"""Reports benchmark: a country brief with 50 submissions as PDF, and the global report over
5,000 submissions built as the background task builds it.

    uv run --frozen --no-sync python bench/reports.py                 # 5,000 submissions
    uv run --frozen --no-sync python bench/reports.py --submissions 1000 --brief 50

Builds a throwaway site (bench/common.py), fills it with `manage.py seed_bench`, then runs
each measurement in its own process so its peak memory (VmHWM) is its own. Each figure is
printed next to a baseline measured in the same run: the same brief as an HTML page, and a
process that only loads Django and WeasyPrint. Targets (issue #5): brief PDF under 3 s;
global report under 2 minutes and under 600 MB peak.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO, manage, prepare_site, site_env


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# --- Children: each measures one thing in a fresh process --------------------------------


def child_baseline() -> dict:
    import django

    django.setup()
    import weasyprint  # noqa: F401 - what every PDF-making process loads

    return {"peak_mb": peak_rss_mb()}


def child_brief(state: str) -> dict:
    import django

    django.setup()
    from palermo.reference.models import State
    from palermo.reports import render, services
    from palermo.reports.enums import ReportKind
    from palermo.reviews.calendar import review_today

    target = State.objects.get(code=state)
    today = review_today()

    def compile_():
        return services.report_live(
            kind=ReportKind.COUNTRY_BRIEF, today=today, language="en", state=target
        )

    from django.template.loader import render_to_string

    render.report_pdf(compile_())  # warm: fonts, templates, WeasyPrint's first layout
    started = time.perf_counter()
    content = compile_()
    html = render_to_string("reports/report_page.html", {"report": render.report_view(content)})
    html_s = time.perf_counter() - started
    started = time.perf_counter()
    content = compile_()
    pdf = render.report_pdf(content)
    pdf_s = time.perf_counter() - started
    import io

    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    return {
        "submissions": len(content["submissions"]),
        "recommendations": len(content["recommendations"]),
        "html_s": html_s,
        "html_bytes": len(html),
        "pdf_s": pdf_s,
        "pdf_pages": pages,
        "pdf_bytes": len(pdf),
        "peak_mb": peak_rss_mb(),
    }


def child_global() -> dict:
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from palermo.reports import services
    from palermo.reports.enums import ReportKind
    from palermo.reports.models import ReportSnapshot
    from palermo.reports.queries import next_edition
    from palermo.reviews.calendar import review_today

    user = get_user_model().objects.order_by("id").first()
    snapshot = ReportSnapshot.objects.create(
        kind=ReportKind.GLOBAL_REPORT,
        title="Global (benchmark)",
        scope="global",
        edition=next_edition(scope="global"),
        as_of=review_today(),
        requested_by=user,
    )
    started = time.perf_counter()
    # What the task worker runs (palermo.reports.tasks.build_snapshot).
    built = services.snapshot_build(snapshot_id=snapshot.pk)
    elapsed = time.perf_counter() - started
    built.refresh_from_db()
    import io

    from pypdf import PdfReader

    return {
        "status": built.status,
        "inputs": built.inputs.count(),
        "recommendations": len(built.content["recommendations"]),
        "seconds": elapsed,
        "pdf_pages": len(PdfReader(io.BytesIO(bytes(built.pdf))).pages),
        "pdf_mb": len(built.pdf) / 1e6,
        "docx_mb": len(built.docx) / 1e6,
        "peak_mb": peak_rss_mb(),
    }


CHILDREN = {"baseline": child_baseline, "brief": child_brief, "global": child_global}


def run_child(env: dict[str, str], name: str, *args: str) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--child", name, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise RuntimeError(f"child {name} failed")
    return json.loads(result.stdout.strip().splitlines()[-1])


def set_brief_size(env: dict[str, str], size: int) -> str:
    """Give one State exactly `size` published synthetic submissions, all in its brief (no
    cluster named); returns its code."""
    script = f"""
import django; django.setup()
from django.db.models import Count
from palermo.submissions.models import Submission
subs = Submission.objects.filter(status="published", title__startswith="Synthetic")
top = subs.values("state").annotate(n=Count("id")).order_by("-n").first()["state"]
mine = list(subs.filter(state_id=top).values_list("id", flat=True))
other = list(subs.exclude(state_id=top).values_list("id", flat=True))
if len(mine) > {size}:
    Submission.objects.filter(id__in=mine[{size}:]).update(state_id=Submission.objects.get(id=other[0]).state_id)
elif len(mine) < {size}:
    Submission.objects.filter(id__in=other[: {size} - len(mine)]).update(state_id=top)
# A brief covers one review phase: its cluster's submissions and those naming none.
Submission.objects.filter(status="published", state_id=top).update(cluster_id=None)
from palermo.reference.models import State
print(State.objects.get(id=top).code)
"""
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", choices=sorted(CHILDREN))
    parser.add_argument("--submissions", type=int, default=5000)
    parser.add_argument("--brief", type=int, default=50, help="submissions in the brief")
    parser.add_argument("args", nargs="*")
    options = parser.parse_args()
    if options.child:
        print(json.dumps(CHILDREN[options.child](*options.args)))
        return

    with tempfile.TemporaryDirectory(prefix="palermo-bench-reports-") as tmp:
        env = site_env(Path(tmp))
        prepare_site(env)
        started = time.perf_counter()
        manage(
            env,
            "seed_bench",
            "--submissions",
            str(options.submissions),
            "--i-know-this-is-not-production",
        )
        print(f"setup: seed_bench {options.submissions} ({time.perf_counter() - started:.1f} s)")
        state = set_brief_size(env, options.brief)
        baseline = run_child(env, "baseline")
        brief = run_child(env, "brief", state)
        everything = run_child(env, "global")

    print()
    print(
        f"Country brief {state}: {brief['submissions']} submissions, "
        f"{brief['recommendations']} recommendations"
    )
    print(f"  HTML page       {brief['html_s']:6.2f} s")
    print(
        f"  PDF             {brief['pdf_s']:6.2f} s  ({brief['pdf_pages']} pages, "
        f"{brief['pdf_bytes'] / 1e6:.1f} MB)  = {brief['pdf_s'] / brief['html_s']:.1f} x the "
        f"HTML  [target < 3 s: {'met' if brief['pdf_s'] < 3 else 'MISSED'}]"
    )
    print(
        f"Global report over {everything['inputs']} submissions "
        f"({everything['recommendations']} recommendations), built as the task builds it:"
    )
    print(
        f"  time            {everything['seconds']:6.1f} s  ({everything['pdf_pages']} PDF pages, "
        f"{everything['pdf_mb']:.1f} MB PDF, {everything['docx_mb']:.1f} MB DOCX)  "
        f"[target < 120 s: {'met' if everything['seconds'] < 120 else 'MISSED'}]"
    )
    print(
        f"  peak memory     {everything['peak_mb']:6.0f} MB  (a process with only Django and "
        f"WeasyPrint loaded: {baseline['peak_mb']:.0f} MB)  "
        f"[target < 600 MB: {'met' if everything['peak_mb'] < 600 else 'MISSED'}]"
    )


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
