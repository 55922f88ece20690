"""Fault test: SIGKILL the whole gunicorn (master and workers) in the middle of a burst of
draft creations, restart it, keep going, then check that the database kept its promises.

Not part of pytest: it starts real processes and takes about a minute. Rerunnable; it
touches nothing in the checkout (the database, static files, keys and logs live in a temp
dir, deleted at the end unless --keep). Loopback only.

    .venv/bin/python scripts/fault_kill9.py [--requests 200 --threads 4 --seed N --keep]

What it does:

1. A throwaway site: SQLite in a temp dir, production settings (DEBUG off, manifest static
   files, WAL, IMMEDIATE transactions), `migrate`, `createcachetable`, `load_reference`,
   `collectstatic` (without the admin's and API docs' files, unused here), then an
   organization with one editor (verified e-mail address).
2. gunicorn, 2 sync workers, on a free loopback port.
3. A few threads, each signed in with its own session (POST /accounts/login/), create
   drafts through the real form: GET /submissions/new/ (a fresh form_token and the CSRF
   token read from the form), POST it. A 302 is an acknowledgement; its Location holds the
   reference.
4. When a random post (between the first quarter and the half of the burst) is sent, wait
   a random 5-150 ms (a post takes 0.1-0.4 s here), and as soon as a post is on its way
   SIGKILL the master and every worker at once, restart gunicorn on the same port and
   let the threads carry on until the burst is sent.
5. Each POST whose answer was lost in the kill is re-posted once, unchanged (same
   form_token), as a person pressing "retry" would: it must come back with the draft the
   first post made if that one was committed, and create it otherwise, never twice.
6. In the database: every acknowledged reference exists, with exactly one version, number
   1, whose stored hash matches both its stored content and a recomputation from the rows
   (services.snapshot + models.content_hash); every submission has its version; no form is
   saved twice; no form token is duplicated; `PRAGMA integrity_check` says ok.

Prints the figures and exits 1 on any violation (2 when the run itself could not be done).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import closing, suppress
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.client import HTTPException
from http.cookiejar import CookieJar
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.common import manage  # noqa: E402

HOST = "127.0.0.1"
PASSWORD = "fault-test password 7261"
EDITOR_EMAIL = "fault-editor@example.org"
ORG_SLUG = "fault-test-org"
SETUP = (
    ("migrate", "--no-input"),
    ("createcachetable",),
    ("load_reference",),
    # The pages used here need the site's own static files in the manifest; the admin's
    # and the API docs' (most of the files, a minute of compressing on a busy machine) not.
    ("collectstatic", "--no-input", "--ignore", "admin", "--ignore", "ninja"),
)
# The organization, its editor, and the primary keys the form needs.
SHELL_SETUP = f"""
import json
from allauth.account.models import EmailAddress
from palermo.accounts.models import User
from palermo.common.text import name_skeleton
from palermo.organizations.models import Membership, Organization
from palermo.reference.models import Article, Cluster, Instrument, State
user = User.objects.create_user(email={EDITOR_EMAIL!r}, password={PASSWORD!r})
EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
name = "Fault Test Observatory"
org = Organization.objects.create(
    slug={ORG_SLUG!r}, name=name, name_skeleton=name_skeleton(name), kind="ngo",
    verification_status="verified", is_listed=True,
)
Membership.objects.create(organization=org, user=user, role="editor")
print(json.dumps({{
    "state": State.objects.get(code="NGA").pk,
    "instrument": Instrument.objects.get(code="untoc").pk,
    "article": Article.objects.get(instrument__code="untoc", number=5).pk,
    "cluster": Cluster.objects.get(numeral="I").pk,
}}))
"""

# Lost answers: the request reached the server (or may have), and no response came back.
# (ConnectionRefusedError, also an OSError, is handled first: then nothing was sent.)
LOST = (OSError, HTTPException)


# --- The site ------------------------------------------------------------------------------


def site_env(workdir: Path) -> dict[str, str]:
    overrides = {
        # bench.settings: the production settings, with STATIC_ROOT in the temp dir.
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "BENCH_STATIC_ROOT": str(workdir / "static"),
        "DATABASE_URL": f"sqlite:///{workdir / 'fault.sqlite3'}",
        "DEBUG": "false",
        "SECRET_KEY": "fault-test-only-secret-key-not-for-production-0123456789abcdef",
        "ALLOWED_HOSTS": HOST,
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "TASKS_IMMEDIATE": "true",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "RECEIPT_KEYS_DIR": str(workdir / "keys"),
        "MEDIA_ROOT": str(workdir / "media"),
        "LOG_LEVEL": "WARNING",
    }
    env = dict(os.environ)
    for name in overrides:  # config.env prefers NAME_FILE: never let a stray one win
        env.pop(f"{name}_FILE", None)
    env.update(overrides)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn, 2 sync workers, on one loopback port; restartable after a SIGKILL."""

    def __init__(self, env: dict[str, str], port: int, log: Path):
        self.env, self.port, self.log = env, port, log
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self, timeout: float = 30) -> float:
        started = time.perf_counter()
        self.starts += 1
        with self.log.open("a") as log:
            log.write(f"\n--- start {self.starts} ---\n")
            log.flush()
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "--workers=2",
                    "--worker-class=sync",
                    f"--bind={HOST}:{self.port}",
                    "--timeout=30",
                    "--graceful-timeout=5",
                    # gunicorn 27 opens a control socket in ~/.gunicorn by default, shared
                    # with any other gunicorn on the machine: not wanted here.
                    "--no-control-socket",
                    "config.wsgi:application",
                ],
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see log")
            try:
                with urllib.request.urlopen(
                    f"http://{HOST}:{self.port}/accounts/login/", timeout=2
                ):
                    return time.perf_counter() - started
            except (OSError, HTTPException):
                time.sleep(0.05)
        raise RuntimeError("gunicorn did not answer in time")

    def workers(self) -> list[int]:
        master = self.process.pid
        children = Path(f"/proc/{master}/task/{master}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            pids = []
            for stat in Path("/proc").glob("[0-9]*/stat"):
                try:
                    fields = stat.read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == master:
                    pids.append(int(stat.parent.name))
            return pids

    def kill9(self) -> list[int]:
        """SIGKILL the master and its workers, all at once (no graceful anything)."""
        victims = [self.process.pid, *self.workers()]
        for pid in victims:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        for pid in victims[1:]:  # workers are not our children: wait until they are gone
            deadline = time.monotonic() + 10
            while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
                try:
                    if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                        break
                except OSError:
                    break
                time.sleep(0.01)
        return victims

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        workers = self.workers()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            for pid in [self.process.pid, *workers]:
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            self.process.wait(timeout=5)


# --- A browser, roughly --------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class _FormReader(HTMLParser):
    """What a browser would send from the form holding `form_token`: named inputs (checked
    boxes only), textareas, selected options."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, list[str]]] = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {}
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = (a.get("type") or "text").lower()
            if kind in {"submit", "button", "reset", "image", "file"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in a:
                return
            self._form.setdefault(name, []).append(a.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = name
            self._form.setdefault(name, [])
        elif tag == "select" and name:
            self._select = name
            self._form.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self._form[self._select].append(a.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            values = self._form[self._textarea]
            values[-1:] = [(values[-1] if values else "") + data.lstrip("\n")]


def read_form(html: str) -> dict[str, list[str]]:
    reader = _FormReader()
    reader.feed(html)
    for form in reader.forms:
        if "form_token" in form:
            return form
    raise ValueError("no submission form on the page")


class Browser:
    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), _NoRedirect()
        )

    def request(self, path: str, data: dict[str, list[str]] | None = None):
        """(status, Location, body). Raises on a connection error."""
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=20) as response:
                return response.status, response.headers.get("Location"), response.read()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.headers.get("Location"), error.read()
        except urllib.error.URLError as error:
            # urllib wraps socket errors; give the caller the real one
            raise (error.reason if isinstance(error.reason, Exception) else error) from None

    def login(self) -> None:
        status, _location, html = self.request("/accounts/login/")
        csrf = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        if status != 200 or not csrf:
            raise RuntimeError(f"login page answered {status}")
        status, location, _body = self.request(
            "/accounts/login/",
            {
                "csrfmiddlewaretoken": [csrf.group(1).decode()],
                "login": [EDITOR_EMAIL],
                "password": [PASSWORD],
            },
        )
        if status != 302 or "/accounts/login" in (location or ""):
            raise RuntimeError(f"sign-in failed: {status} → {location}")


# --- The burst --------------------------------------------------------------------------------


@dataclass
class Post:
    title: str
    token: str
    payload: dict[str, list[str]]
    browser: Browser  # its session and CSRF cookie go with the form
    outcome: str = ""  # acknowledged, lost, or http-<status>
    reference: str = ""
    retry_outcome: str = ""
    retry_reference: str = ""
    sent_after_kill: bool = False


@dataclass
class Burst:
    target: int
    kill_at: int
    posts: list[Post] = field(default_factory=list)
    reserved: int = 0
    refused: int = 0  # connection refused while the server was down: nothing was sent
    page_errors: collections.Counter = field(default_factory=collections.Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)
    killed: threading.Event = field(default_factory=threading.Event)
    restarted: threading.Event = field(default_factory=threading.Event)
    kill_now: threading.Event = field(default_factory=threading.Event)
    deadline: float = 0.0

    def take(self) -> int | None:
        """The next request number, or None when the burst is done."""
        with self.lock:
            if self.reserved >= self.target or time.monotonic() > self.deadline:
                return None
            number = self.reserved
            self.reserved += 1
            return number


def reference_of(location: str | None) -> str:
    match = re.fullmatch(r"(?:https?://[^/]+)?/submissions/([^/]+)/", location or "")
    return match.group(1) if match else ""


def fill(form: dict[str, list[str]], pks: dict, title: str) -> dict[str, list[str]]:
    data = {name: list(values) for name, values in form.items()}
    data.update(
        {
            "state": [str(pks["state"])],
            "cluster": [str(pks["cluster"])],
            "instruments": [str(pks["instrument"])],
            "articles": [str(pks["article"])],
            "title": [title],
            "summary": [f"Summary of {title}."],
            "law": [f"The penal code covers article 5 ({title}).\nSection 12 on conspiracy."],
            "practice": ["Few cases reach court.\nThe evidence: court statistics for 2023."],
            "language": ["en"],
            "tier": ["attributed"],
            "rec-0-text": [f"Adopt a specific offence ({title})."],
            "rec-0-addressee": ["state"],
            "rec-0-priority": ["high"],
            "rec-0-articles": [str(pks["article"])],
            "src-0-title": ["Annual report on prosecutions"],
            "src-0-url": ["https://example.org/report-2023"],
            "src-0-date": ["2023-05-01"],
            "src-0-kind": ["report"],
        }
    )
    return data


def _wait_restarted(burst: Burst) -> None:
    burst.restarted.wait(timeout=30)
    time.sleep(0.02)


def writer(browser: Browser, burst: Burst, pks: dict, name: str) -> None:
    try:
        _write(browser, burst, pks, name)
    except Exception as error:  # recorded; the missing posts then fail the run
        burst.page_errors[f"writer {name} stopped: {error!r}"[:200]] += 1


def _write(browser: Browser, burst: Burst, pks: dict, name: str) -> None:
    while (number := burst.take()) is not None:
        title = f"Fault draft {name}-{number:04d}"
        # The form: a fresh form_token and the CSRF token, as a browser gets them.
        while True:
            if time.monotonic() > burst.deadline:
                return
            try:
                status, _location, html = browser.request("/submissions/new/?state=NGA")
            except ConnectionRefusedError:
                _wait_restarted(burst)
                continue
            except LOST as error:
                burst.page_errors[type(error).__name__] += 1
                _wait_restarted(burst)
                continue
            if status == 200:
                break
            burst.page_errors[f"http-{status}"] += 1
            time.sleep(0.05)
        form = read_form(html.decode())
        payload = fill(form, pks, title)
        post = Post(title=title, token=form["form_token"][0], payload=payload, browser=browser)
        with burst.lock:
            burst.posts.append(post)  # the number was reserved by take(); order is loose
        if number == burst.kill_at:
            burst.kill_now.set()  # the kill follows while this post is on its way
        while True:
            post.sent_after_kill = burst.killed.is_set()
            try:
                status, location, _body = browser.request("/submissions/new/", payload)
            except ConnectionRefusedError:  # server down: nothing reached it, send again
                with burst.lock:
                    burst.refused += 1
                _wait_restarted(burst)
                continue
            except LOST:
                post.outcome = "lost"
                _wait_restarted(burst)
                break
            if status == 302 and reference_of(location):
                post.outcome, post.reference = "acknowledged", reference_of(location)
            else:
                post.outcome = f"http-{status}"
            break


def committed(database: Path, tokens: list[str]) -> dict[str, str]:
    """Which of these form tokens the database holds (token → reference), read directly
    with sqlite3 while the server runs (WAL: readers do not block it)."""
    if not tokens:
        return {}
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=20)) as db:
        rows = db.execute(
            "SELECT t.token, s.reference FROM submissions_formtoken t "
            "JOIN submissions_submission s ON s.id = t.submission_id "
            f"WHERE t.token IN ({','.join('?' * len(tokens))})",
            tokens,
        ).fetchall()
    return dict(rows)


def retry_lost(posts: list[Post]) -> None:
    """Re-post each lost form unchanged, once, from the same session (the person's retry)."""
    for post in posts:
        try:
            status, location, _body = post.browser.request("/submissions/new/", post.payload)
        except LOST as error:
            post.retry_outcome = f"error-{type(error).__name__}"
            continue
        post.retry_reference = reference_of(location) if status == 302 else ""
        post.retry_outcome = "acknowledged" if post.retry_reference else f"http-{status}"


# --- The checks ---------------------------------------------------------------------------------


def check_database(env: dict[str, str], posts: list[Post]) -> tuple[dict, list[str]]:
    for name in ("DJANGO_SETTINGS_MODULE", "BENCH_STATIC_ROOT", "DATABASE_URL", "SECRET_KEY"):
        os.environ[name] = env[name]
    os.environ["DEBUG"] = "false"
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count

    from palermo.submissions.models import FormToken, Submission, SubmissionVersion, content_hash
    from palermo.submissions.services import snapshot

    violations: list[str] = []
    by_reference = {
        s.reference: s
        for s in Submission.objects.select_related("state", "cluster").prefetch_related(
            "instruments", "recommendations", "sources"
        )
    }
    versions = collections.defaultdict(list)
    for version in SubmissionVersion.objects.select_related("submission"):
        versions[version.submission.reference].append(version)
    tokens = dict(FormToken.objects.values_list("token", "submission__reference"))

    acknowledged = [p for p in posts if p.outcome == "acknowledged"]
    found = 0
    hash_ok = 0
    for post in acknowledged:
        submission = by_reference.get(post.reference)
        if submission is None:
            violations.append(f"acknowledged {post.reference} ({post.title}) is not in the DB")
            continue
        found += 1
        if submission.title != post.title:
            violations.append(f"{post.reference} holds {submission.title!r}, not {post.title!r}")
        if tokens.get(post.token) != post.reference:
            violations.append(
                f"{post.reference}: its form token points to {tokens.get(post.token)}"
            )
    for reference, submission in by_reference.items():
        stored = versions.get(reference, [])
        if [v.number for v in stored] != [1] or submission.version != 1:
            violations.append(
                f"{reference}: versions {[v.number for v in stored]}, version {submission.version}"
            )
            continue
        version = stored[0]
        recomputed = content_hash(snapshot(submission))
        if version.content_sha256 == recomputed == content_hash(version.content):
            hash_ok += 1
        else:
            violations.append(f"{reference}: content hash differs from the stored rows")
    orphans = Submission.objects.annotate(n=Count("versions")).filter(n=0).count()
    if orphans:
        violations.append(f"{orphans} submission(s) without a version")
    without_token = Submission.objects.exclude(reference__in=set(tokens.values())).count()
    if without_token:
        violations.append(f"{without_token} submission(s) without their form token")
    duplicate_tokens = (
        FormToken.objects.values("token").annotate(n=Count("id")).filter(n__gt=1).count()
    )
    saved_twice = Submission.objects.values("title").annotate(n=Count("id")).filter(n__gt=1).count()
    duplicate_acks = sum(
        n - 1 for n in collections.Counter(p.reference for p in acknowledged).values() if n > 1
    )
    duplicates = duplicate_tokens + saved_twice + duplicate_acks
    if duplicates:
        violations.append(
            f"duplicates: {duplicate_tokens} form tokens, {saved_twice} forms saved twice, "
            f"{duplicate_acks} references acknowledged twice"
        )
    ours = {p.title for p in posts}
    strangers = [r for r, s in by_reference.items() if s.title not in ours]
    if strangers:
        violations.append(f"submissions nobody sent: {strangers[:5]}")
    # A lost answer: re-posting the same form must find the draft if it was committed.
    lost = [p for p in posts if p.outcome == "lost"]
    for post in lost:
        committed = tokens.get(post.token)
        if post.retry_outcome != "acknowledged":
            violations.append(f"retry of {post.title} answered {post.retry_outcome}")
        elif committed != post.retry_reference:
            violations.append(f"retry of {post.title} → {post.retry_reference}, DB {committed}")
    with connection.cursor() as cursor:
        integrity = ", ".join(row[0] for row in cursor.execute("PRAGMA integrity_check"))
        fk_errors = len(cursor.execute("PRAGMA foreign_key_check").fetchall())
    if integrity != "ok":
        violations.append(f"integrity_check: {integrity}")
    if fk_errors:
        violations.append(f"{fk_errors} foreign key violation(s)")
    figures = {
        "acknowledged_found_in_db": found,
        "submissions_in_db": len(by_reference),
        "versions_with_matching_hash": hash_ok,
        "orphans": orphans,
        "duplicates": duplicates,
        "integrity_check": integrity,
        "foreign_key_errors": fk_errors,
    }
    return figures, violations


# --- Main ---------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="draft creations (200)")
    parser.add_argument("--threads", type=int, default=4, help="concurrent writers (4)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (time)")
    parser.add_argument("--time-limit", type=float, default=75, help="burst seconds at most (75)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = parser.parse_args()
    if not 10 <= args.requests <= 2000 or not 1 <= args.threads <= 16:
        parser.error("--requests 10..2000, --threads 1..16")
    seed = args.seed if args.seed is not None else int(time.time())
    rng = random.Random(seed)
    kill_at = rng.randint(args.requests // 4, args.requests // 2)
    jitter = rng.uniform(0.005, 0.15)  # a POST takes ~0.1-0.4 s here

    began = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="palermo-fault-"))
    env = site_env(workdir)
    server = Server(env, free_port(), workdir / "gunicorn.log")
    figures: dict = {"seed": seed, "requests": args.requests, "threads": args.threads}
    try:
        for command in SETUP:
            manage(env, *command)
        pks = json.loads(manage(env, "shell", "-c", SHELL_SETUP).strip().splitlines()[-1])
        print(f"setup: site ready in {time.perf_counter() - began:.1f} s ({workdir})")
        server.start()
        base = f"http://{HOST}:{server.port}"
        browsers = [Browser(base) for _ in range(args.threads)]
        for browser in browsers:
            browser.login()

        burst = Burst(target=args.requests, kill_at=kill_at)
        burst.deadline = time.monotonic() + args.time_limit
        threads = [
            threading.Thread(target=writer, args=(b, burst, pks, f"t{i}"), daemon=True)
            for i, b in enumerate(browsers)
        ]
        burst_started = time.perf_counter()
        for thread in threads:
            thread.start()
        if not burst.kill_now.wait(timeout=args.time_limit):
            raise RuntimeError("the burst never reached the kill point")
        time.sleep(jitter)
        # Kill with at least one post on its way (it may have been answered during the
        # jitter): otherwise the run would test only the restart.
        wait_until = time.monotonic() + 5
        while True:
            with burst.lock:
                in_flight = sum(1 for p in burst.posts if not p.outcome)
                sent_before = len(burst.posts)
            if in_flight or time.monotonic() > wait_until:
                break
            time.sleep(0.001)
        victims = server.kill9()
        burst.killed.set()
        killed_at = time.perf_counter() - burst_started
        print(
            f"kill -9: master and {len(victims) - 1} workers at {killed_at:.2f} s, after "
            f"{sent_before} posts ({in_flight} without an answer yet)"
        )
        downtime_started = time.perf_counter()
        restart = server.start()
        burst.restarted.set()
        downtime = time.perf_counter() - downtime_started
        for thread in threads:
            thread.join(timeout=max(1.0, burst.deadline - time.monotonic() + 25))
        burst_seconds = time.perf_counter() - burst_started
        posts = list(burst.posts)
        lost = [p for p in posts if p.outcome == "lost"]
        # Before retrying: which lost answers belonged to drafts that were committed?
        lost_committed = committed(workdir / "fault.sqlite3", [p.token for p in lost])
        retry_lost(lost)
        server.stop()

        outcomes = collections.Counter(p.outcome for p in posts)
        figures.update(
            {
                "kill_after_posts": sent_before,
                "posts_in_flight_at_kill": in_flight,
                "kill_seconds_into_burst": round(killed_at, 2),
                "processes_killed": len(victims),
                "restart_seconds": round(restart, 2),
                "downtime_seconds": round(downtime, 2),
                "burst_seconds": round(burst_seconds, 1),
                "posts_sent": len(posts),
                "acknowledged": outcomes["acknowledged"],
                "failed_during_kill": outcomes["lost"],
                "refused_while_down": burst.refused,
                "other_answers": {k: v for k, v in outcomes.items() if k.startswith("http-")},
                "form_page_errors": dict(burst.page_errors),
                "acknowledged_after_restart": sum(
                    1 for p in posts if p.outcome == "acknowledged" and p.sent_after_kill
                ),
                "lost_but_committed": len(lost_committed),
                "lost_retry_replayed": sum(
                    1 for p in lost if p.retry_reference == lost_committed.get(p.token, "-")
                ),
                "lost_retry_created": sum(
                    1 for p in lost if p.token not in lost_committed and p.retry_reference
                ),
            }
        )
        db_figures, violations = check_database(env, posts)
        figures.update(db_figures)
        for post in lost:
            if post.token in lost_committed and post.retry_reference != lost_committed[post.token]:
                violations.append(
                    f"retry of committed {post.title} → {post.retry_reference}, "
                    f"not {lost_committed[post.token]}"
                )
        if len(posts) != args.requests:
            violations.append(f"only {len(posts)} of {args.requests} posts sent in time")
        if sent_before >= args.requests or not in_flight:
            violations.append("the kill hit no post on its way: inconclusive, run again")
        if figures["acknowledged_after_restart"] == 0:
            violations.append("nothing was acknowledged after the restart")
        server_errors = _server_errors(workdir / "gunicorn.log")
        figures["tracebacks_in_server_log"] = server_errors
    except Exception:
        server.stop()
        print(f"the fault test could not run (temp dir kept: {workdir})", file=sys.stderr)
        raise
    finally:
        server.stop()
        figures["total_seconds"] = round(time.perf_counter() - began, 1)

    _print(figures, violations)
    if args.keep or violations:
        print(f"temp dir kept: {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if violations else 0


def _server_errors(log: Path) -> int:
    return log.read_text(errors="replace").count("Traceback (most recent call last)")


def _print(figures: dict, violations: list[str]) -> None:
    width = max(len(k) for k in figures)
    print("\nfigures:")
    for key, value in figures.items():
        print(f"  {key.ljust(width)}  {value}")
    if violations:
        print(f"\nFAIL: {len(violations)} violation(s)")
        for line in violations[:50]:
            print(f"  - {line}")
    else:
        print("\nOK: every acknowledged draft is there, whole, once; no orphans, no duplicates.")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as error:  # the run itself failed: not a verdict on the data
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
