"""Load on a real server: gunicorn on 127.0.0.1, driven by wrk.

Only this machine's loopback is ever a target, every run is bounded in time
(wrk -d), and the server is stopped by its own process id when done.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"

# Rotates the logged-in sessions over the requests, and prints the figures
# wrk's own summary lacks (the 95th percentile) as one JSON line.
WRK_SCRIPT = """
local cookies = {%(cookies)s}
local counter = 0
request = function()
  counter = counter + 1
  local headers = {}
  headers["Cookie"] = "%(cookie_name)s=" .. cookies[(counter %% #cookies) + 1]
  return wrk.format("GET", "%(path)s", headers)
end
done = function(summary, latency, requests)
  io.write(string.format(
    'BENCH {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p95_us": %%d,'
    .. ' "p99_us": %%d, "max_us": %%d, "non_2xx": %%d, "connect_errors": %%d,'
    .. ' "read_errors": %%d, "write_errors": %%d, "timeouts": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(95), latency:percentile(99), latency.max,
    summary.errors.status, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout))
end
"""


def wrk_path() -> str | None:
    return shutil.which("wrk")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn serving the app with the bench settings, as production would."""

    def __init__(self, env: dict[str, str], workers: int):
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        # Kept open for the server's lifetime (closed in stop()).
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115
            "w+", prefix="bench-gunicorn-", suffix=".log", delete=False
        )
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        self.process = subprocess.Popen(
            [
                gunicorn,
                "factory.wsgi:application",
                "--bind",
                f"{HOST}:{self.port}",
                "--workers",
                str(workers),
                "--chdir",
                str(ROOT),
                "--log-level",
                "warning",
            ],
            env={**env, "DJANGO_SETTINGS_MODULE": "bench.settings"},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_until_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log.name}")
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=5) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.5)
        raise RuntimeError(f"gunicorn did not become healthy; see {self.log.name}")

    def status_of(self, path: str, cookie: str) -> int:
        request = urllib.request.Request(
            f"{self.base}{path}", headers={"Cookie": cookie}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    def stop(self, *, keep_log: bool = False) -> None:
        """Stop the server (by its own process id); its log is kept on failure."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        if not keep_log:
            os.unlink(self.log.name)


def run_wrk(
    server: Server,
    path: str,
    *,
    connections: int,
    seconds: int,
    cookie_name: str,
    cookies: list[str],
    threads: int = 2,
) -> dict:
    """One bounded wrk run; returns rps, latency percentiles (ms), errors."""
    script = WRK_SCRIPT % {
        "cookies": ", ".join(json.dumps(cookie) for cookie in cookies),
        "cookie_name": cookie_name,
        "path": path,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        completed = subprocess.run(
            [
                wrk_path() or "wrk",
                f"-t{min(threads, connections)}",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "10s",
                "-s",
                handle.name,
                server.base,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=True,
        )
    finally:
        os.unlink(handle.name)
    line = next(
        line for line in completed.stdout.splitlines() if line.startswith("BENCH ")
    )
    figures = json.loads(line.removeprefix("BENCH "))
    errors = (
        sum(
            figures[key]
            for key in ("non_2xx", "connect_errors", "read_errors", "write_errors")
        )
        + figures["timeouts"]
    )
    return {
        "connections": connections,
        "seconds": seconds,
        "requests": figures["requests"],
        "rps": figures["requests"] / (figures["duration_us"] / 1e6),
        "p50_ms": figures["p50_us"] / 1000,
        "p95_ms": figures["p95_us"] / 1000,
        "p99_ms": figures["p99_us"] / 1000,
        "max_ms": figures["max_us"] / 1000,
        "errors": errors,
        "error_detail": {
            key: figures[key]
            for key in (
                "non_2xx",
                "connect_errors",
                "read_errors",
                "write_errors",
                "timeouts",
            )
        },
    }


BASELINES = {
    "trivial": "/bench/trivial",
    "trivial_auth": "/bench/trivial-auth",
    "frame": "/bench/frame",
}


def load_test(
    *,
    env: dict[str, str],
    workers: int,
    dashboard: str,
    cookie_name: str,
    cookies: list[str],
    seconds: int,
    concurrency: list[int],
    log,
    rounds: int = 3,
) -> dict:
    """The baselines and the dashboard under the same server, same run.

    ``rounds`` interleaved rounds at 50 users (trivial view, trivial
    ``@login_required`` view, the bare frame, the dashboard, one after the
    other), so that other work on the machine weighs on all of them alike;
    the ratios are the medians over the rounds. Then the dashboard once at
    each other concurrency.
    """
    server = Server(env, workers)
    failed = True
    try:
        server.wait_until_healthy()
        cookie = f"{cookie_name}={cookies[0]}"
        for path in (*BASELINES.values(), dashboard):
            status = server.status_of(path, cookie)
            if status != 200:
                raise RuntimeError(f"{path} answered {status}, not 200")

        def run(path, connections, length=seconds):
            return run_wrk(
                server,
                path,
                connections=connections,
                seconds=length,
                cookie_name=cookie_name,
                cookies=cookies,
            )

        # Warm every worker (imports, template loading, the cache).
        run(dashboard, workers * 2, 3)
        baseline_connections = 50 if 50 in concurrency else concurrency[0]
        interleaved = []
        for number in range(1, rounds + 1):
            log(
                f"  round {number}/{rounds}: baselines and dashboard, "
                f"{baseline_connections} connections, {seconds} s each"
            )
            found = {
                name: run(path, baseline_connections)
                for name, path in BASELINES.items()
            }
            found["dashboard"] = run(dashboard, baseline_connections)
            interleaved.append(found)
        runs = []
        for connections in concurrency:
            if connections == baseline_connections:
                continue
            log(f"  factory dashboard, {connections} connections, {seconds} s")
            runs.append(run(dashboard, connections))
        failed = False
        return {
            "workers": workers,
            "dashboard": dashboard,
            "rounds": interleaved,
            "dashboard_runs": runs,
            "baseline_connections": baseline_connections,
        }
    finally:
        server.stop(keep_log=failed)
        if failed:
            log(f"  gunicorn's log: {server.log.name}")


def layer_runs(
    *,
    env: dict[str, str],
    workers: int,
    pages: dict[str, str],
    cookie_name: str,
    cookies: list[str],
    seconds: int,
    layers: list[str],
    log,
    rounds: int = 2,
    connections: int = 50,
) -> dict:
    """Each configuration of the cache layers (all on, then each switched off
    in turn: CACHE_LAYERS_OFF) on a server of its own, its pages under
    ``connections`` users for ``seconds``; in ``rounds`` interleaved rounds,
    so that other work on the machine weighs on every configuration alike.
    Returns {configuration: {page: [run, …]}} ("" is all on)."""
    found: dict[str, dict[str, list]] = {
        layer: {page: [] for page in pages} for layer in layers
    }
    for number in range(1, rounds + 1):
        for layer in layers:
            log(
                f"  round {number}/{rounds}: {layer or 'every layer on'}, "
                f"{connections} users, {seconds} s a page"
            )
            server = Server({**env, "CACHE_LAYERS_OFF": layer}, workers)
            failed = True
            try:
                server.wait_until_healthy()
                for page, path in pages.items():
                    status = server.status_of(path, f"{cookie_name}={cookies[0]}")
                    if status != 200:
                        raise RuntimeError(f"{path} answered {status}, not 200")
                    # Warm every worker (imports, templates, the caches).
                    run_wrk(
                        server,
                        path,
                        connections=workers * 2,
                        seconds=2,
                        cookie_name=cookie_name,
                        cookies=cookies,
                    )
                    found[layer][page].append(
                        run_wrk(
                            server,
                            path,
                            connections=connections,
                            seconds=seconds,
                            cookie_name=cookie_name,
                            cookies=cookies,
                        )
                    )
                failed = False
            finally:
                server.stop(keep_log=failed)
                if failed:
                    log(f"  gunicorn's log: {server.log.name}")
    return found
