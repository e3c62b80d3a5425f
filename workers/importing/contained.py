"""A workbook parsed where it cannot take the serving process with it.

python-calamine is native code: a hostile workbook can make it ask for
hundreds of gigabytes (a single cell at XFD1048576 sizes a range of
17 billion cells), and a failed allocation in Rust is an abort that no
``except`` catches. So the parse runs in a forked child under an
address-space and a CPU-time limit (``resource.setrlimit``); it sends the
rows back through a pipe, a few thousand at a time, while the parent
already reads them. If the child dies — killed by the kernel, aborted by a
refused allocation, out of CPU time — the parent raises ``ImportFileError``
with a message that says which limit, and lives on: the gunicorn worker or
the task worker that read the file serves the next request.

Fork, not spawn: the child needs the module state it was given (the bytes,
the active language for its messages) and must start in milliseconds. It
touches no database connection and no lock of another thread; it leaves
through ``os._exit`` (multiprocessing's own exit), so nothing inherited is
closed or flushed twice.
"""

from __future__ import annotations

import faulthandler
import logging
import multiprocessing
import os
import resource
import signal
from collections.abc import Callable, Iterator

from django.conf import settings
from django.utils.translation import gettext as _

from workers.importing.limits import ImportFileError

logger = logging.getLogger("catchup.imports")

# Rows sent through the pipe at once: large enough that pickling dominates
# the per-message cost, small enough that progress keeps moving.
ROWS_PER_MESSAGE = 2000

Rows = Iterator[tuple[int, list[str]]]


def contained_rows(produce: Callable[[], Rows]) -> Rows:
    """The rows ``produce()`` yields, produced in a limited child process.

    An ``ImportFileError`` raised in the child is raised here with its
    message; any other death of the child becomes one that names the limit.
    """
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_run_child, args=(produce, sender), daemon=True)
    child.start()
    sender.close()
    try:
        while True:
            try:
                kind, payload = receiver.recv()
            except EOFError:
                child.join()
                raise _died_error(child.exitcode) from None
            if kind == "rows":
                yield from payload
            elif kind == "error":
                raise ImportFileError(payload)
            else:
                return
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()


def _run_child(produce: Callable[[], Rows], sender) -> None:
    # The serving process's handlers (gunicorn's, the task worker's) are not
    # the child's: a stop signal ends it at once.
    for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(number, signal.SIG_DFL)
    # One line in the log when Rust aborts, not a backtrace of forty, nor
    # Python's dump of every thread (faulthandler, when it is on).
    os.environ["RUST_BACKTRACE"] = "0"
    faulthandler.disable()
    _limit_this_process()
    batch: list[tuple[int, list[str]]] = []
    try:
        for row in produce():
            batch.append(row)
            if len(batch) >= ROWS_PER_MESSAGE:
                sender.send(("rows", batch))
                batch = []
        sender.send(("rows", batch))
        sender.send(("done", None))
    except ImportFileError as exc:
        # The rows read before the refusal arrive first, as they would have
        # had the file been read here.
        sender.send(("rows", batch))
        sender.send(("error", exc.message))
    except MemoryError:
        sender.send(("error", memory_error().message))
    finally:
        sender.close()


def _limit_this_process() -> None:
    budget = settings.IMPORT_PARSE_MEMORY_MB * 1024 * 1024
    # The child starts as a copy of its parent, whose address space may be
    # large already (libraries, thread stacks): the budget is on top of it.
    limit = _address_space() + budget
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    used = int(resource.getrusage(resource.RUSAGE_SELF).ru_utime)
    seconds = used + settings.IMPORT_PARSE_CPU_SECONDS
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))


def _address_space() -> int:
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


def _died_error(exitcode: int | None) -> ImportFileError:
    if exitcode == -signal.SIGXCPU or exitcode == -signal.SIGKILL:
        logger.warning("workbook parse stopped: CPU time limit (exit %s)", exitcode)
        return ImportFileError(
            _(
                "Reading the workbook took more than %(seconds)d seconds of "
                "processor time, the most one file may take; it was stopped. "
                "Save it again from Excel as .xlsx or CSV, or split it."
            )
            % {"seconds": settings.IMPORT_PARSE_CPU_SECONDS}
        )
    logger.warning("workbook parse died (exit %s): memory limit", exitcode)
    return memory_error()


def memory_error() -> ImportFileError:
    return ImportFileError(
        _(
            "Reading the workbook needed more than %(megabytes)d MB of memory, "
            "the most one file may take (a sheet that names far-away cells "
            "asks for all the cells between); it was refused. Delete the "
            "empty rows and columns after the data, or save it as CSV."
        )
        % {"megabytes": settings.IMPORT_PARSE_MEMORY_MB}
    )
