"""Throughput of the State page as a ratio to a bare Django view, measured in one run.

Absolute requests per second on a shared 2-core machine move with the CPU model and the
neighbours; a ratio between two URLs served by the same server in the same run, measured
in interleaved rounds, cancels most of that. So the figure this reports is

    ratio = req/s of /states/NGA/  ÷  req/s of /bench/bare/ (HttpResponse("ok"), same middleware)

with /states/, /api/v1/states/NGA and a plain WSGI hello (no Django) for context.

When other processes compete for the CPU, even same-run ratios drift: a tiny request
suffers more from waiting for the CPU than a long one. So each slice also records the
worker's own CPU time per request (bench/wsgi.py reports it), and the ratio of those, a
capacity ratio that contention barely moves, is printed next to the req/s ratio.

The site is a throwaway one in a temp dir (SQLite, reference and demo data, DEBUG off,
collected static files), served by gunicorn with one sync worker on a loopback port. The
load comes from a second process, wrk when installed, else Python threads. Results are
printed and written to bench/out/state_page.json. See bench/README.md.

    uv run --frozen --no-sync python bench/state_page.py [--rounds 16 --seconds 1]
"""

import argparse
import http.client
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

# Run as a script, sys.path[0] is bench/; the repo root must be importable for `bench.*`.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO, prepare_site, site_env

OUT_FILE = REPO / "bench" / "out" / "state_page.json"
HOST = "127.0.0.1"
SUBJECT = "/states/NGA/"
BASELINE = "/bench/bare/"
STATS_PATH = "/bench/stats/"  # see bench/wsgi.py


@dataclass(frozen=True)
class Target:
    path: str
    label: str


WSGI_HELLO = Target("/bench/wsgi/", "WSGI hello, no Django")
BARE = Target(BASELINE, "bare Django view")
STATE_PAGE = Target(SUBJECT, "State page")
STATE_LIST = Target("/states/", "State list")
STATE_API = Target("/api/v1/states/NGA", "State API")
# BARE and STATE_PAGE, the headline pair, are measured back to back in every round; these
# are context only, and their ratios less tightly paired with the baseline.
CONTEXT: tuple[Target, ...] = (WSGI_HELLO, STATE_LIST, STATE_API)
TARGETS: tuple[Target, ...] = (WSGI_HELLO, BARE, STATE_PAGE, STATE_LIST, STATE_API)

# Server on CPU 0, load generator on CPU 1: otherwise they compete for the same core and
# the figures measure the scheduler as much as the site.
SERVER_CPU = 0
LOADER_CPU = 1
# Decided once, at start: the Python loader later pins this very process to one CPU.
PINNING = hasattr(os, "sched_setaffinity") and len(os.sched_getaffinity(0)) >= 2


@dataclass(frozen=True)
class Sample:
    """One URL measured for one round."""

    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p95_ms: float
    cpu_ms: float | None = None  # the worker's CPU time per request, from /bench/stats/


@dataclass(frozen=True)
class WorkerStats:
    pid: int
    requests: int
    cpu_seconds: float


@dataclass(frozen=True)
class Summary:
    path: str
    label: str
    rps: float  # median over rounds
    p50_ms: float  # median over rounds of each round's p50
    p95_ms: float  # median over rounds of each round's p95
    best_rps: float  # best round: noise only ever slows a round down
    ratio_to_bare: float  # median over rounds of the same-round ratio
    ratio_to_bare_q1: float  # quartiles of the same-round ratios: the spread of the
    ratio_to_bare_q3: float  # middle half of the rounds, robust to one noisy round
    ratio_to_bare_best: float  # best_rps ÷ the baseline's best_rps, a cross-check
    ratio_to_wsgi: float
    cpu_ms: float  # median over rounds of the worker's CPU time per request
    cpu_ratio_to_bare: float  # median over rounds of bare cpu_ms ÷ this cpu_ms
    samples: list[Sample]


class BenchError(RuntimeError):
    pass


# --- Server --------------------------------------------------------------------------------


def free_port() -> int:
    # The port is released before gunicorn binds it; another process could take it in
    # between, and gunicorn would then fail to start, loudly. Acceptable for a benchmark.
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def pinned_to(cpu: int) -> Callable[[], None] | None:
    """A preexec_fn pinning the child to one CPU, or None where that is not possible.

    preexec_fn is unsafe once the parent has threads; only the Python loader starts any,
    and it starts no process."""
    if not PINNING:
        return None
    return lambda: os.sched_setaffinity(0, {cpu})


def start_server(env: dict[str, str], port: int, log_path: Path) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "gunicorn", "bench.wsgi:application",
        "--bind", f"{HOST}:{port}",
        "--workers", "1",
        "--worker-class", "sync",
        "--chdir", str(REPO),
        "--timeout", "30",
        # No access log: writing a line per request would be part of what we measure.
        "--log-level", "warning",
    ]  # fmt: skip
    with log_path.open("wb") as log:
        return subprocess.Popen(
            command,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=pinned_to(SERVER_CPU),
        )


def stop_server(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()  # gunicorn's graceful shutdown; it stops its worker too
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def get(port: int, path: str, timeout: float = 10.0) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def worker_stats(port: int) -> WorkerStats:
    status, body = get(port, STATS_PATH)
    if status != 200:
        raise BenchError(f"GET {STATS_PATH} returned {status}")
    data = json.loads(body)
    return WorkerStats(
        pid=int(data["pid"]), requests=int(data["requests"]), cpu_seconds=data["cpu_seconds"]
    )


def wait_until_ready(process: subprocess.Popen[bytes], port: int, log_path: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"gunicorn exited with {process.returncode}:\n{tail(log_path)}")
        try:
            get(port, BASELINE, timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise BenchError(f"gunicorn did not answer within 30 s:\n{tail(log_path)}")


def check_all_ok(port: int, log_path: Path) -> None:
    """Every target must answer 200 itself: a redirect or an error page is cheap and would
    make the figures flattering and meaningless (wrk only counts 4xx and 5xx as errors)."""
    for target in TARGETS:
        status, body = get(port, target.path)
        if status != 200:
            raise BenchError(
                f"GET {target.path} returned {status}, expected 200\n"
                f"{body[:500]!r}\n{tail(log_path)}"
            )


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# --- Load generators ---------------------------------------------------------------------

# wrk reports through this Lua hook: one JSON line, latencies in microseconds.
WRK_REPORT_LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"status_errors":%d,"connect_errors":%d,' ..
    '"read_errors":%d,"write_errors":%d,"timeouts":%d,"p50_us":%d,"p95_us":%d}\\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(95)))
end
"""


class WrkLoader:
    name = "wrk"

    def __init__(self, port: int, concurrency: int, script: Path) -> None:
        self.port = port
        self.concurrency = concurrency
        self.script = script
        script.write_text(WRK_REPORT_LUA)

    def run(self, path: str, seconds: int) -> Sample:
        command = [
            "wrk", "--threads", "1", "--connections", str(self.concurrency),
            "--duration", f"{seconds}s", "--timeout", "10s", "--script", str(self.script),
            f"http://{HOST}:{self.port}{path}",
        ]  # fmt: skip
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=seconds + 30,
            check=False,
            preexec_fn=pinned_to(LOADER_CPU),  # the wrk driver itself starts no thread
        )
        match = re.search(r"^WRKJSON (\{.*\})$", result.stdout, re.MULTILINE)
        if result.returncode != 0 or match is None:
            raise BenchError(f"wrk failed on {path}:\n{result.stdout}{result.stderr}")
        report = json.loads(match.group(1))
        # Gunicorn's sync worker closes the connection after each response; wrk reconnects
        # without counting an error, so any error here is a real one.
        errors = {k: v for k, v in report.items() if k.endswith(("_errors", "timeouts")) and v}
        if errors:
            raise BenchError(f"wrk saw errors on {path}: {errors}")
        if report["requests"] == 0:
            raise BenchError(f"wrk completed no request on {path}")
        elapsed = report["duration_us"] / 1e6
        return Sample(
            requests=report["requests"],
            seconds=round(elapsed, 3),
            rps=report["requests"] / elapsed,
            p50_ms=report["p50_us"] / 1000,
            p95_ms=report["p95_us"] / 1000,
        )


class PythonLoader:
    """Threads with one http.client connection each; closed loop, like wrk.

    The GIL makes this much slower than wrk: on the fastest URLs it may saturate before
    the server does, which lowers their req/s and raises every ratio taken against them.
    """

    name = "python"

    def __init__(self, port: int, concurrency: int, max_requests: int) -> None:
        self.port = port
        self.concurrency = concurrency
        self.max_requests = max_requests

    def run(self, path: str, seconds: int) -> Sample:
        latencies: list[float] = []  # list.append is atomic under the GIL
        failures: list[str] = []
        issued = 0
        lock = threading.Lock()
        deadline = time.perf_counter() + seconds

        def worker() -> None:
            nonlocal issued
            # http.client reopens the connection by itself when the server closes it,
            # which gunicorn's sync worker does after every response.
            connection = http.client.HTTPConnection(HOST, self.port, timeout=10)
            try:
                while not failures and time.perf_counter() < deadline:
                    with lock:
                        if issued >= self.max_requests:
                            return
                        issued += 1
                    started = time.perf_counter()
                    connection.request("GET", path)
                    response = connection.getresponse()
                    response.read()
                    if response.status != 200:
                        failures.append(f"status {response.status}")
                        return
                    latencies.append(time.perf_counter() - started)
            except (OSError, http.client.HTTPException) as error:
                failures.append(repr(error))
            finally:
                connection.close()

        threads = [threading.Thread(target=worker) for _ in range(self.concurrency)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        if failures:
            raise BenchError(f"GET {path} failed under load: {failures[0]}")
        if len(latencies) < 2:
            raise BenchError(f"too few requests completed on {path}: {len(latencies)}")
        return Sample(
            requests=len(latencies),
            seconds=round(elapsed, 3),
            rps=len(latencies) / elapsed,
            p50_ms=statistics.median(latencies) * 1000,
            p95_ms=statistics.quantiles(latencies, n=20, method="inclusive")[-1] * 1000,
        )


Loader = WrkLoader | PythonLoader


# --- Measurement -------------------------------------------------------------------------


def measure_one(loader: Loader, port: int, path: str, seconds: int) -> Sample:
    """One slice of load, with the worker's CPU time per request for the same slice.

    The stats request after the slice waits behind any request still in flight (one sync
    worker), so the counts and CPU times cover exactly the same requests."""
    before = worker_stats(port)
    sample = loader.run(path, seconds)
    after = worker_stats(port)
    if after.pid != before.pid:
        raise BenchError(f"the gunicorn worker restarted while measuring {path}")
    served = after.requests - before.requests
    cpu_ms = (after.cpu_seconds - before.cpu_seconds) * 1000 / served
    return replace(sample, cpu_ms=cpu_ms)


def measure(
    loader: Loader, port: int, rounds: int, seconds: int, warmup: int
) -> dict[str, list[Sample]]:
    for target in TARGETS:  # fills template, ORM and SQLite page caches before counting
        loader.run(target.path, warmup)
    samples: dict[str, list[Sample]] = {target.path: [] for target in TARGETS}
    for round_index in range(rounds):
        # Many short interleaved rounds: noise from a neighbour comes in bursts of seconds,
        # so the headline pair is measured back to back, alternating which goes first
        # (A B, B A, ...) so neither always gets the quieter or the busier slot. The
        # context URLs follow, rotated so none always follows the heaviest.
        pair = (BARE, STATE_PAGE) if round_index % 2 == 0 else (STATE_PAGE, BARE)
        shift = round_index % len(CONTEXT)
        for target in (*pair, *CONTEXT[shift:], *CONTEXT[:shift]):
            samples[target.path].append(measure_one(loader, port, target.path, seconds))
        line = "  ".join(f"{t.path} {samples[t.path][-1].rps:,.0f}" for t in TARGETS)
        print(f"round {round_index + 1:>2}/{rounds} req/s: {line}", flush=True)
    return samples


def same_round_ratios(numerator: Sequence[Sample], denominator: Sequence[Sample]) -> list[float]:
    return [a.rps / b.rps for a, b in zip(numerator, denominator, strict=True)]


def same_round_cpu_ratios(own: Sequence[Sample], bare: Sequence[Sample]) -> list[float]:
    # Inverted: less CPU per request means more capacity, so like the req/s ratio this is
    # below 1 for a page costlier than the baseline.
    return [b.cpu_ms / a.cpu_ms for a, b in zip(own, bare, strict=True) if a.cpu_ms and b.cpu_ms]


def summarise(samples: dict[str, list[Sample]]) -> list[Summary]:
    bare = samples[BASELINE]
    hello = samples[WSGI_HELLO.path]
    bare_best = max(s.rps for s in bare)
    summaries = []
    for target in TARGETS:
        own = samples[target.path]
        to_bare = same_round_ratios(own, bare)
        q1, median, q3 = statistics.quantiles(to_bare, n=4, method="inclusive")
        best = max(s.rps for s in own)
        summaries.append(
            Summary(
                path=target.path,
                label=target.label,
                rps=statistics.median(s.rps for s in own),
                p50_ms=statistics.median(s.p50_ms for s in own),
                p95_ms=statistics.median(s.p95_ms for s in own),
                best_rps=best,
                ratio_to_bare=median,
                ratio_to_bare_q1=q1,
                ratio_to_bare_q3=q3,
                ratio_to_bare_best=best / bare_best,
                ratio_to_wsgi=statistics.median(same_round_ratios(own, hello)),
                cpu_ms=statistics.median(s.cpu_ms for s in own if s.cpu_ms is not None),
                cpu_ratio_to_bare=statistics.median(same_round_cpu_ratios(own, bare)),
                samples=own,
            )
        )
    return summaries


def query_counts(env: dict[str, str]) -> list[dict[str, object]]:
    """SQL queries per page, from bench/query_counts.py run against the same site."""
    result = subprocess.run(
        [sys.executable, str(REPO / "bench" / "query_counts.py"), "--no-setup", "--json"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise BenchError(f"query_counts.py failed:\n{result.stdout}{result.stderr}")
    counts: list[dict[str, object]] = json.loads(result.stdout.strip().splitlines()[-1])
    return counts


# --- Report --------------------------------------------------------------------------------


def machine() -> dict[str, object]:
    cpu_model = platform.processor() or "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
        cpu_model = found.group(1).strip() if found else cpu_model
    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu_model,
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def versions(env: dict[str, str]) -> dict[str, str]:
    code = "import django, gunicorn; print(django.__version__, gunicorn.__version__)"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    return {"django": out[0], "gunicorn": out[1]}


def print_report(summaries: list[Summary], counts: list[dict[str, object]]) -> None:
    print()
    print(
        f"{'URL':<20}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'÷ bare':>9}{'  middle half':<16}"
        f"{'CPU ms':>9}{'÷ bare':>9}"
    )
    for s in summaries:
        spread = f"  {s.ratio_to_bare_q1:.3f}-{s.ratio_to_bare_q3:.3f}"
        print(
            f"{s.path:<20}{s.rps:>8,.0f}{s.p50_ms:>9.1f}{s.p95_ms:>9.1f}{s.ratio_to_bare:>9.3f}"
            f"{spread:<16}{s.cpu_ms:>9.2f}{s.cpu_ratio_to_bare:>9.3f}  {s.label}"
        )
    print("(÷ bare: req/s, then by worker CPU time per request; medians of same-round ratios)")
    print()
    print("SQL queries per request: " + ", ".join(f"{c['path']} {c['repeat']}" for c in counts))
    by_path = {s.path: s for s in summaries}
    subject, bare = by_path[SUBJECT], by_path[BASELINE]
    print(
        f"ratio {SUBJECT} : bare by CPU time = {subject.cpu_ratio_to_bare:.3f} "
        f"(NGA {subject.cpu_ms:.2f} ms, bare {bare.cpu_ms:.2f} ms of worker CPU per request)"
    )
    print(
        f"ratio {SUBJECT} : bare = {subject.ratio_to_bare:.3f} "
        f"(NGA {subject.rps:,.0f} req/s, bare {bare.rps:,.0f} req/s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=16, help="interleaved rounds (default 16)")
    parser.add_argument("--seconds", type=int, default=1, help="per URL per round (default 1)")
    parser.add_argument("--warmup", type=int, default=2, help="per URL, once (default 2)")
    parser.add_argument("--concurrency", type=int, default=2, help="connections (default 2)")
    parser.add_argument("--loader", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument(
        "--max-requests",
        type=int,
        default=50_000,
        help="python loader: cap per URL per round, on top of --seconds",
    )
    args = parser.parse_args()
    if args.rounds < 2 or min(args.seconds, args.warmup, args.concurrency) < 1:
        parser.error("need --rounds >= 2 (for quartiles) and positive --seconds, --warmup")

    use_wrk = args.loader == "wrk" or (args.loader == "auto" and shutil.which("wrk"))
    if use_wrk and not shutil.which("wrk"):
        parser.error("wrk is not installed (apt-get install wrk), use --loader python")

    with tempfile.TemporaryDirectory(prefix="palermo-bench-") as tmp:
        workdir = Path(tmp)
        env = site_env(workdir)
        prepare_site(env)
        counts = query_counts(env)

        port = free_port()
        log_path = workdir / "gunicorn.log"
        server = start_server(env, port, log_path)
        try:
            wait_until_ready(server, port, log_path)
            check_all_ok(port, log_path)
            loader: Loader
            if use_wrk:
                loader = WrkLoader(port, args.concurrency, workdir / "report.lua")
            else:
                if PINNING:
                    # This process is the load generator; the server was pinned at start.
                    os.sched_setaffinity(0, {LOADER_CPU})
                loader = PythonLoader(port, args.concurrency, args.max_requests)
            print(
                f"measuring: loader {loader.name}, concurrency {args.concurrency}, "
                f"{args.rounds} rounds x {args.seconds} s per URL, warm-up {args.warmup} s, "
                f"pinned {PINNING}",
                flush=True,
            )
            samples = measure(loader, port, args.rounds, args.seconds, args.warmup)
            check_all_ok(port, log_path)  # still healthy after the load, not erroring
        finally:
            stop_server(server)
        summaries = summarise(samples)

        report = {
            "benchmark": "state_page",
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "versions": versions(env),
            "config": {
                "server": "gunicorn, 1 sync worker, loopback",
                "loader": loader.name,
                "concurrency": args.concurrency,
                "rounds": args.rounds,
                "seconds_per_round": args.seconds,
                "warmup_seconds": args.warmup,
                "pinned": (
                    {"server_cpu": SERVER_CPU, "loader_cpu": LOADER_CPU} if PINNING else None
                ),
            },
            "subject": SUBJECT,
            "baseline": BASELINE,
            "ratio": next(s.ratio_to_bare for s in summaries if s.path == SUBJECT),
            "ratio_cpu": next(s.cpu_ratio_to_bare for s in summaries if s.path == SUBJECT),
            "results": [asdict(s) for s in summaries],
            "query_counts": counts,
        }
    OUT_FILE.parent.mkdir(parents=True, exist_ok=True)
    OUT_FILE.write_text(json.dumps(report, indent=2) + "\n")
    print_report(summaries, counts)
    print(f"written {OUT_FILE.relative_to(REPO)}")


if __name__ == "__main__":
    try:
        main()
    except BenchError as error:
        sys.exit(f"bench failed: {error}")
