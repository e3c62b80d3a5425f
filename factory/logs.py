"""Log filters.

ProbeInOneLine: Django logs a request with a forged Host header
(DisallowedHost) at ERROR with the full traceback. Scanners send hundreds
of them (nikto: 36 tracebacks in one scan), which floods a production log
and buries real errors. The message already says everything — the refused
host, quoted with repr(), so a line break in it cannot forge a second line
— so the record is kept as one line at WARNING, without the traceback.
"""

from __future__ import annotations

import logging


class ProbeInOneLine(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        record.levelno = logging.WARNING
        record.levelname = logging.getLevelName(logging.WARNING)
        return True
