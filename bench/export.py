"""Streaming bulk exports of 100,000 submissions from a real server, measured in one run.

Targets (issue #5): the first byte within 1 s and the server's peak memory under 200 MB,
whatever the number of rows, because the export streams (palermo/reports/exports.py).

The site is a throwaway one in a temp dir (SQLite, reference and demo data, DEBUG off) with
`manage.py seed_bench --submissions N` on top. Each export is fetched from a fresh gunicorn
(one sync worker, loopback, pinned to CPU 0) by this process (pinned to CPU 1), which times
the response headers, the first byte (the server sends the first row at once) and the last
byte, counts bytes and rows, and samples the worker's resident memory. The peak is the
worker's own high-water mark (VmHWM in /proc/<pid>/status), reset just before the export so
that the worker's start-up does not count; the start-up peak is reported beside it. A fresh
server per export keeps each peak its own. A smaller filtered export on the same site shows
that the peak does not follow the row count.
Results are printed and written to bench/out/export.json. See bench/README.md.

    uv run --frozen --no-sync python bench/export.py [--submissions 100000]
"""

import argparse
import csv
import http.client
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

# Run as a script, sys.path[0] is bench/; the repo root must be importable for `bench.*`.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO, prepare_site, site_env
from bench.state_page import (
    HOST,
    LOADER_CPU,
    PINNING,
    SERVER_CPU,
    BenchError,
    free_port,
    get,
    machine,
    pinned_to,
    stop_server,
    tail,
    versions,
    wait_until_ready,
    worker_stats,
)

OUT_FILE = REPO / "bench" / "out" / "export.json"
TARGET_FIRST_BYTE_S = 1.0
TARGET_PEAK_MB = 200.0
# gunicorn's default: a sync worker busy longer than this on one request is killed.
GUNICORN_DEFAULT_TIMEOUT_S = 30
READ_SIZE = 64 * 1024


@dataclass(frozen=True)
class Measure:
    path: str
    status: int
    headers_s: float  # request sent -> status line and headers read
    first_byte_s: float  # -> first byte of the body (which carries the first whole row)
    total_s: float  # -> last byte
    bytes: int
    rows: int
    rows_per_s: float
    worker_cpu_s: float  # the worker's CPU time for this request
    rss_before_mb: float  # worker after warm-up, before the export
    rss_peak_sampled_mb: float  # highest VmRSS seen while streaming (every 50 ms)
    peak_mb: float  # VmHWM after the export, reset just before it: the export's peak
    startup_peak_mb: float  # VmHWM before the reset: the worker's start and warm-up


def proc_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise BenchError(f"no {field} for process {pid}")


def start_server(env: dict[str, str], port: int, log_path: Path) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "gunicorn", "bench.wsgi:application",
        "--bind", f"{HOST}:{port}",
        "--workers", "1",
        "--worker-class", "sync",
        "--chdir", str(REPO),
        # Long enough for the whole export: see the note on the default in the report.
        "--timeout", "900",
        "--log-level", "warning",
    ]  # fmt: skip
    with log_path.open("wb") as log:
        return subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, preexec_fn=pinned_to(SERVER_CPU)
        )


class RssSampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kb = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                self.peak_kb = max(self.peak_kb, proc_kb(self.pid, "VmRSS"))
            except (OSError, BenchError):
                return
            self.stopped.wait(0.05)


def fetch(port: int, path: str, sink: Path, pid: int) -> tuple[Measure, Path]:
    """Stream one export to a file, timing it; the worker's memory is sampled meanwhile."""
    before = worker_stats(port)
    rss_before = proc_kb(pid, "VmRSS")
    startup_peak = proc_kb(pid, "VmHWM")
    # "5" resets the high-water mark to the current RSS (proc(5), clear_refs): from here on
    # VmHWM is the export's own peak, exact, not sampled.
    Path(f"/proc/{pid}/clear_refs").write_text("5")
    sampler = RssSampler(pid)
    sampler.start()
    connection = http.client.HTTPConnection(HOST, port, timeout=900)
    started = time.perf_counter()
    first_byte = None
    size = rows = 0
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        headers = time.perf_counter() - started
        with sink.open("wb") as out:
            while chunk := response.read1(READ_SIZE):
                now = time.perf_counter() - started
                if first_byte is None:
                    first_byte = now
                rows += chunk.count(b"\n")
                size += len(chunk)
                out.write(chunk)
        total = time.perf_counter() - started
    finally:
        connection.close()
        sampler.stopped.set()
        sampler.join()
    after = worker_stats(port)
    peak = proc_kb(pid, "VmHWM")
    return (
        Measure(
            path=path,
            status=response.status,
            headers_s=round(headers, 3),
            first_byte_s=round(first_byte or total, 3),
            total_s=round(total, 2),
            bytes=size,
            rows=rows,  # line ends for now; replaced by a parsed count in check_file()
            rows_per_s=0.0,
            worker_cpu_s=round(after.cpu_seconds - before.cpu_seconds, 2),
            rss_before_mb=round(rss_before / 1024, 1),
            rss_peak_sampled_mb=round(sampler.peak_kb / 1024, 1),
            peak_mb=round(peak / 1024, 1),
            startup_peak_mb=round(startup_peak / 1024, 1),
        ),
        sink,
    )


def check_file(measure: Measure, sink: Path) -> int:
    """Parse what was received (after the timing): the row count, and proof the file is
    whole (valid JSON on every line; a CSV whose rows all have the header's width)."""
    if measure.path.split("?")[0].endswith(".ndjson"):
        count = 0
        with sink.open("rb") as lines:
            for line in lines:
                json.loads(line)
                count += 1
        return count
    with sink.open(newline="", encoding="utf-8") as text:
        reader = csv.reader(text)
        width = len(next(reader))
        count = 0
        for row in reader:
            if len(row) != width:
                raise BenchError(f"{measure.path}: row {count + 1} has {len(row)} cells")
            count += 1
        return count


def expected_rows(database: Path, where: str = "") -> int:
    with sqlite3.connect(database) as db:
        return db.execute(
            "SELECT COUNT(*) FROM submissions_submission WHERE status = 'published' "
            "AND embargo_until IS NULL " + where
        ).fetchone()[0]


def measure_export(env: dict[str, str], workdir: Path, path: str) -> Measure:
    port = free_port()
    log_path = workdir / f"gunicorn-{port}.log"
    server = start_server(env, port, log_path)
    try:
        wait_until_ready(server, port, log_path)
        # Warm-up: imports, URL resolver, templates, a database connection, the same filter
        # checks; so the figures are the export's own, not the first request's.
        status, _body = get(port, "/exports/")
        if status != 200:
            raise BenchError(f"GET /exports/ returned {status}\n{tail(log_path)}")
        pid = worker_stats(port).pid
        measure, sink = fetch(port, path, workdir / "export.out", pid)
        if measure.status != 200:
            raise BenchError(f"GET {path} returned {measure.status}\n{tail(log_path)}")
        rows = check_file(measure, sink)
        sink.unlink()
        return Measure(
            **{
                **asdict(measure),
                "rows": rows,
                "rows_per_s": round(rows / measure.total_s) if measure.total_s else 0.0,
            }
        )
    finally:
        stop_server(server)


def seed(env: dict[str, str], submissions: int) -> float:
    started = time.perf_counter()
    command = [
        sys.executable, "manage.py", "seed_bench", "--submissions", str(submissions),
        "--i-know-this-is-not-production",
    ]  # fmt: skip
    result = subprocess.run(
        command,
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    if result.returncode != 0:
        raise BenchError(f"seed_bench failed:\n{result.stdout}{result.stderr}")
    elapsed = time.perf_counter() - started
    print(f"setup: manage.py seed_bench --submissions {submissions} ({elapsed:.1f} s)", flush=True)
    return elapsed


def print_report(results: list[Measure], seed_s: float, db_mb: float, submissions: int) -> None:
    print()
    print(
        f"{submissions:,} synthetic submissions seeded in {seed_s:.0f} s; "
        f"database {db_mb:,.0f} MB. gunicorn, 1 sync worker."
    )
    header = (
        f"{'export':<42} {'rows':>8} {'MB':>7} {'headers':>8} {'1st byte':>8} "
        f"{'total s':>8} {'rows/s':>8} {'CPU s':>6} {'RSS before':>10} {'peak MB':>8} "
        f"{'start-up peak':>13}"
    )
    print(header)
    print("-" * len(header))
    for m in results:
        print(
            f"{m.path:<42} {m.rows:>8,} {m.bytes / 1e6:>7.1f} {m.headers_s:>8.3f} "
            f"{m.first_byte_s:>8.3f} {m.total_s:>8.1f} {m.rows_per_s:>8,.0f} "
            f"{m.worker_cpu_s:>6.1f} {m.rss_before_mb:>10.1f} {m.peak_mb:>8.1f} "
            f"{m.startup_peak_mb:>13.1f}"
        )
    print()
    for m in results:
        fast = "ok" if m.first_byte_s < TARGET_FIRST_BYTE_S else "OVER"
        verdicts = [
            f"first byte {m.first_byte_s:.3f} s ({fast} < {TARGET_FIRST_BYTE_S} s)",
            f"peak {m.peak_mb:.0f} MB ({'ok' if m.peak_mb < TARGET_PEAK_MB else 'OVER'} "
            f"< {TARGET_PEAK_MB:.0f} MB)",
        ]
        if m.total_s > GUNICORN_DEFAULT_TIMEOUT_S:
            verdicts.append(
                f"longer than gunicorn's default --timeout {GUNICORN_DEFAULT_TIMEOUT_S} s"
            )
        print(f"{m.path}: " + "; ".join(verdicts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=100_000)
    parser.add_argument(
        "--formats", default="ndjson,csv", help="comma-separated: ndjson, csv (default both)"
    )
    args = parser.parse_args()
    formats = [f for f in args.formats.split(",") if f]
    if args.submissions < 1 or not set(formats) <= {"ndjson", "csv"}:
        parser.error("--submissions must be positive; --formats takes ndjson and csv")
    if not Path("/proc/self/status").exists():
        parser.error("reads memory from /proc/<pid>/status: Linux only")
    if PINNING:
        os.sched_setaffinity(0, {LOADER_CPU})  # the client; servers are pinned to SERVER_CPU

    with tempfile.TemporaryDirectory(prefix="palermo-bench-export-") as tmp:
        workdir = Path(tmp)
        env = site_env(workdir)
        prepare_site(env)
        seed_s = seed(env, args.submissions)
        database = workdir / "bench.sqlite3"
        db_mb = sum(p.stat().st_size for p in workdir.glob("bench.sqlite3*")) / 1e6
        expected = expected_rows(database)
        expected_zh = expected_rows(database, "AND language = 'zh'")
        paths = [f"/exports/submissions.{fmt}" for fmt in formats]
        # Context: the same export filtered down to ~5% of the rows. If memory followed the
        # rows, its peak would be far below the full export's.
        paths.append(f"/exports/submissions.{formats[0]}?language=zh")
        results = []
        for path in paths:
            print(f"measuring {path}", flush=True)
            measure = measure_export(env, workdir, path)
            want = expected_zh if "language=zh" in path else expected
            if measure.rows != want:
                raise BenchError(f"{path}: {measure.rows} rows received, {want} expected")
            results.append(measure)
        report = {
            "benchmark": "export",
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "versions": versions(env),
            "config": {
                "server": "gunicorn, 1 sync worker, loopback, a fresh one per export",
                "submissions": args.submissions,
                "pinned": (
                    {"server_cpu": SERVER_CPU, "client_cpu": LOADER_CPU} if PINNING else None
                ),
                "seed_seconds": round(seed_s, 1),
                "database_mb": round(db_mb, 1),
            },
            "targets": {"first_byte_s": TARGET_FIRST_BYTE_S, "peak_mb": TARGET_PEAK_MB},
            "results": [asdict(m) for m in results],
        }
    OUT_FILE.parent.mkdir(parents=True, exist_ok=True)
    OUT_FILE.write_text(json.dumps(report, indent=2) + "\n")
    print_report(results, seed_s, db_mb, args.submissions)
    print(f"written {OUT_FILE.relative_to(REPO)}")


if __name__ == "__main__":
    try:
        main()
    except BenchError as error:
        sys.exit(f"bench failed: {error}")
