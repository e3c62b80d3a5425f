"""Log filters.

RefusalInOneLine: Django logs every PermissionDenied at WARNING with the
full traceback of the view that raised it ("django.request"): a walk through
the site as the wrong persona wrote 29 of them, for no error of ours. A 403
or a 404 is already one line in the audit log, with who asked, the path and
the status (factory/audit.py), so Django's record of it is dropped; any
other client error (4xx) keeps its line, without the traceback. Server
errors (5xx) keep theirs.

ProbeInOneLine: Django logs a request with a forged Host header
(DisallowedHost) at ERROR with the full traceback. Scanners send hundreds
of them (nikto: 36 tracebacks in one scan), which floods a production log
and buries real errors. The message already says everything — the refused
host, quoted with repr(), so a line break in it cannot forge a second line
— so the record is kept as one line at WARNING, without the traceback.
"""

from __future__ import annotations

import logging

from factory.audit import DENIED_STATUSES


class ProbeInOneLine(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        record.levelno = logging.WARNING
        record.levelname = logging.getLevelName(logging.WARNING)
        return True


class RefusalInOneLine(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is None or not 400 <= status < 500:
            return True
        if status in DENIED_STATUSES:
            return False  # the audit log's line says it
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        return True
