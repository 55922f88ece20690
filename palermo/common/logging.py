"""Logging filters. Logs must never carry a secret that arrived in a URL."""

import logging
import re

# Invitation links carry a single-use token in the path (they are e-mailed); Django logs the
# path of every 4xx/5xx response, so the token would otherwise land in the log.
_SECRET_PATHS = re.compile(r"(/invitations/)[^/\s]+")


def _redact(value):
    return _SECRET_PATHS.sub(r"\1[redacted]", value) if isinstance(value, str) else value


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _redact(arg) for key, arg in record.args.items()}
        return True
