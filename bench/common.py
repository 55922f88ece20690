"""Shared set-up for the benchmarks: a throwaway site in a temp dir, never the checkout's data.

This module does not import Django: the load generator imports it too, and should stay light.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# manage.py steps that build a realistic site: the curated reference data (every State)
# and the labelled demo records, so pages show reviews, events and documents.
SETUP_COMMANDS: tuple[tuple[str, ...], ...] = (
    ("migrate", "--no-input"),
    ("load_reference",),
    ("seed_demo", "--allow-without-debug"),
    ("collectstatic", "--no-input"),
)


def site_env(workdir: Path) -> dict[str, str]:
    """The environment for every benchmark process: production-like settings, temp storage."""
    overrides = {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
        "BENCH_STATIC_ROOT": str(workdir / "static"),
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789abcdef",
        "ALLOWED_HOSTS": "127.0.0.1",
        # Plain HTTP on loopback: without this every request would be a 301 to https.
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
    }
    env = dict(os.environ)
    # config.env prefers NAME_FILE over NAME; a stray *_FILE in the caller's shell would
    # silently point the benchmark at another database or key.
    for name in overrides:
        env.pop(f"{name}_FILE", None)
    env.update(overrides)
    return env


def manage(env: dict[str, str], *args: str) -> str:
    """Run one manage.py command; on failure show its output and stop."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,  # seed_bench of 100,000 rows and collectstatic's font compression
        check=False,
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise RuntimeError(f"manage.py {' '.join(args)} failed with code {result.returncode}")
    return result.stdout


def prepare_site(env: dict[str, str]) -> None:
    """Build the database and static files described by env, reporting each step's time."""
    for command in SETUP_COMMANDS:
        started = time.perf_counter()
        manage(env, *command)
        print(f"setup: manage.py {command[0]} ({time.perf_counter() - started:.1f} s)", flush=True)
