"""Benchmark settings: the production settings unchanged, except where a benchmark must differ.

Everything else (middleware, templates, DEBUG off, WhiteNoise manifest storage) stays as
deployed, because the point is to measure the site as it really runs.
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config.settings import *  # noqa: F403

# bench.urls adds the baseline view next to the project's own URLs.
ROOT_URLCONF = "bench.urls"

# config.settings pins STATIC_ROOT to var/static inside the checkout and offers no variable
# for it; the benchmark collects static files into its own temp dir so a run leaves the
# repository untouched.
_static_root = os.environ.get("BENCH_STATIC_ROOT", "")
if not _static_root:
    raise ImproperlyConfigured("BENCH_STATIC_ROOT must be set (bench/common.py sets it)")
STATIC_ROOT = Path(_static_root)
