"""WSGI entry point for benchmarks: the Django site plus two paths that bypass Django.

- /bench/wsgi/ answers "ok" before Django is involved at all: the ceiling set by gunicorn,
  the sockets and the load generator alone, against which every Django figure is read.
- /bench/stats/ reports this worker's CPU time and request count, so the driver can work
  out CPU time per request: unlike requests per second, that figure barely moves when
  other processes compete for the CPU, which on a shared machine they do.
"""

import json
import os
import time
from collections.abc import Iterable
from wsgiref.types import StartResponse, WSGIEnvironment

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

WSGI_HELLO_PATH = "/bench/wsgi/"
STATS_PATH = "/bench/stats/"

django_application = get_wsgi_application()

# The benchmark runs gunicorn's sync worker: one request at a time, so a plain counter is
# exact. Stats requests are not counted, so they do not dilute the per-request figures.
_served = 0


def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    global _served
    path = environ.get("PATH_INFO")
    if path == STATS_PATH:
        stats = {"pid": os.getpid(), "requests": _served, "cpu_seconds": time.process_time()}
        return _plain(start_response, json.dumps(stats).encode(), "application/json")
    _served += 1
    if path == WSGI_HELLO_PATH:
        return _plain(start_response, b"ok", "text/plain")
    return django_application(environ, start_response)


def _plain(start_response: StartResponse, body: bytes, content_type: str) -> list[bytes]:
    start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]
