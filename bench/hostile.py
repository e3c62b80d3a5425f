"""Hostile uploads: how long each file of the corpus takes to be refused, and
what the login page does while two of them are uploaded at once.

The corpus is the tests' own (tests/hostile_files.py). Goals (issue 22):
each file refused in under 2 s; the login page's p95 under 500 ms while two
hostile uploads run against gunicorn's two workers, as ``make demo`` serves.
"""

from __future__ import annotations

import re
import threading
import time
import urllib.error
import urllib.request
import uuid

from bench import load

# The two the audit uploaded at once: the far cell (an abort in the parser
# before) and entries of spaces (seconds of inflating before).
AT_ONCE = ("far cell XFD1048576", "entries of spaces")
UPLOAD_PATH = "/workers/import/records/"
LOGIN_PATH = "/accounts/login/"


def refusal_phase() -> dict:
    """Each corpus file read as an upload is (in this process, on the bench
    data): seconds to its refusal, and the refusal's first words."""
    from django.utils import translation

    from tests import hostile_files
    from workers.importing import ImportFileError, get_importer

    importer = get_importer("records")
    results = {}
    with translation.override("en"):
        for name, (filename, data) in hostile_files.corpus().items():
            started = time.perf_counter()
            try:
                importer.read(data, filename)
                message = "READ, NOT REFUSED"
            except ImportFileError as exc:
                message = exc.message
            results[name] = {
                "bytes": len(data),
                "seconds": time.perf_counter() - started,
                "message": message[:90],
            }
    return results


def _uploader(base: str, cookie: str, filename: str, data: bytes):
    """A function that uploads the file once as the secretary: (seconds, status)."""
    page = urllib.request.Request(f"{base}{UPLOAD_PATH}", headers={"Cookie": cookie})
    with urllib.request.urlopen(page, timeout=60) as response:
        html = response.read().decode()
        set_cookie = response.headers.get_all("Set-Cookie") or []
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    csrf = next(
        (c.split(";", 1)[0] for c in set_cookie if c.startswith("csrftoken=")), ""
    )
    boundary = uuid.uuid4().hex
    body = (
        (
            f"--{boundary}\r\nContent-Disposition: form-data; "
            f'name="csrfmiddlewaretoken"\r\n\r\n{token}\r\n'
            f"--{boundary}\r\nContent-Disposition: form-data; "
            f'name="file"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {
        "Cookie": f"{cookie}; {csrf}",
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Referer": f"{base}{UPLOAD_PATH}",
    }

    def upload() -> tuple[float, int]:
        request = urllib.request.Request(
            f"{base}{UPLOAD_PATH}", data=body, headers=headers, method="POST"
        )
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                response.read()
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        return time.perf_counter() - started, status

    return upload


def uploads_under_load(
    *, env: dict[str, str], cookie: str, seconds: int, log, workers: int = 2
) -> dict:
    """The login page under wrk alone, then while two threads upload the
    hostile files back to back; same server, same run."""
    from tests import hostile_files

    corpus = hostile_files.corpus()
    server = load.Server(env, workers)
    failed = True
    try:
        server.wait_until_healthy()
        uploads = [_uploader(server.base, cookie, *corpus[name]) for name in AT_ONCE]

        def login_page():
            return load.run_wrk(
                server,
                LOGIN_PATH,
                connections=4,
                seconds=seconds,
                cookie_name="anonymous",
                cookies=["-"],
            )

        login_page()  # warm both workers
        log(f"  the login page alone, {seconds} s")
        alone = login_page()
        stop = threading.Event()
        times: dict[str, list[float]] = {name: [] for name in AT_ONCE}
        statuses: set[int] = set()

        def keep_uploading(name, upload):
            while not stop.is_set():
                spent, status = upload()
                times[name].append(spent)
                statuses.add(status)

        threads = [
            threading.Thread(target=keep_uploading, args=(name, upload))
            for name, upload in zip(AT_ONCE, uploads, strict=True)
        ]
        log(f"  the login page while two hostile uploads run, {seconds} s")
        for thread in threads:
            thread.start()
        try:
            during = login_page()
        finally:
            stop.set()
            for thread in threads:
                thread.join()
        failed = False
        return {
            "workers": workers,
            "login_alone": alone,
            "login_during": during,
            "uploads": {
                name: {
                    "count": len(spent),
                    "median_seconds": sorted(spent)[len(spent) // 2] if spent else None,
                    "max_seconds": max(spent) if spent else None,
                }
                for name, spent in times.items()
            },
            "upload_statuses": sorted(statuses),
        }
    finally:
        server.stop(keep_log=failed)
        if failed:
            log(f"  gunicorn's log: {server.log.name}")
