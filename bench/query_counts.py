"""SQL queries per page for an anonymous visitor, with the reference and demo data loaded.

Runs in-process with Django's test client. Each page is requested twice: the first request
pays one-off costs (caches filled on first use), the second is what every later visitor
costs, and is the figure to watch: it should stay constant as the data grows.

    uv run --frozen --no-sync python bench/query_counts.py          # builds its own temp site
    ... python bench/query_counts.py --no-setup --json              # reuse the env's site
"""

import argparse
import json
import os
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

# Run as a script, sys.path[0] is bench/; the repo root must be importable for `bench.*`
# and for the project itself.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import prepare_site, site_env

PATHS: tuple[str, ...] = ("/states/", "/states/NGA/", "/api/v1/states", "/api/v1/states/NGA")


@dataclass(frozen=True)
class QueryCount:
    path: str
    first: int
    repeat: int


def count_queries(paths: tuple[str, ...] = PATHS) -> list[QueryCount]:
    """Count queries per path in this process; the environment must already name the site."""
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    # ALLOWED_HOSTS is 127.0.0.1 as for the server; the test client's default "testserver"
    # would be refused with a 400.
    client = Client(SERVER_NAME="127.0.0.1")
    counts: list[QueryCount] = []
    for path in paths:
        runs: list[int] = []
        for _ in range(2):
            with CaptureQueriesContext(connection) as captured:
                response = client.get(path)
            if response.status_code != 200:
                raise RuntimeError(f"GET {path} returned {response.status_code}, expected 200")
            runs.append(len(captured.captured_queries))
        counts.append(QueryCount(path=path, first=runs[0], repeat=runs[1]))
    return counts


def print_table(counts: list[QueryCount]) -> None:
    print(f"{'queries per request':<24}{'first':>7}{'repeat':>8}")
    for row in counts:
        print(f"{row.path:<24}{row.first:>7}{row.repeat:>8}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--no-setup",
        action="store_true",
        help="use the site named by the environment (bench/state_page.py prepares one)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()

    if args.no_setup:
        counts = count_queries()
    else:
        with tempfile.TemporaryDirectory(prefix="palermo-bench-") as workdir:
            env = site_env(Path(workdir))
            prepare_site(env)
            os.environ.clear()
            os.environ.update(env)
            counts = count_queries()
    if args.json:
        print(json.dumps([asdict(row) for row in counts]))
    else:
        print_table(counts)


if __name__ == "__main__":
    main()
