"""`make bench`: generate a big factory in PostgreSQL and measure it.

    python bench/run.py                 # 5,400 workers × 36 months, and 10× for pages
    python bench/run.py --scale 10      # 54,000 × 36 for everything
    python bench/run.py --no-compare    # skip the 10× database (pages at 1× only)
    python bench/run.py --import-formats  # rows/s read from CSV, XLSX, XLS, ODS

Every figure is a ratio against a baseline measured in the same run (see
docs/PERFORMANCE.md, which this writes). The databases (catchup_bench,
catchup_bench_x10) live on the server of BENCH_DATABASE_URL or DATABASE_URL
(default postgres://postgres@127.0.0.1:5432) and are kept between runs: the
generated factory is reused when it matches (``--regenerate`` forces it).
Nothing here is part of `make test`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import databases, hostile, load, report, report_layers  # noqa: E402

# The last run's figures, for --render-only (var/ is not in git).
RESULTS = ROOT / "var" / "bench-results.json"
BASE_WORKERS = 5400
BASE_MONTHS = 36


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1, help="workers × this")
    parser.add_argument("--workers", type=int, default=BASE_WORKERS)
    parser.add_argument("--months", type=int, default=BASE_MONTHS)
    parser.add_argument(
        "--compare-scale",
        type=int,
        default=10,
        help="the larger factory for the page comparison (default 10×)",
    )
    parser.add_argument(
        "--no-compare", action="store_true", help="skip the larger factory"
    )
    parser.add_argument("--rows", type=int, default=100_000, help="rows imported")
    parser.add_argument("--seconds", type=int, default=10, help="per load run")
    parser.add_argument(
        "--rounds", type=int, default=3, help="interleaved load rounds (median)"
    )
    parser.add_argument(
        "--import-rounds",
        type=int,
        default=3,
        help="import rounds, each on a fresh copy (median)",
    )
    parser.add_argument("--concurrency", default="10,50,100")
    parser.add_argument("--gunicorn-workers", type=int, default=4)
    parser.add_argument("--no-redis", action="store_true", help="per-process cache")
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--skip-writes", action="store_true")
    parser.add_argument("--skip-secretary", action="store_true")
    parser.add_argument("--skip-layers", action="store_true")
    parser.add_argument("--skip-hostile", action="store_true")
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument(
        "--output", default=str(ROOT / "docs" / "PERFORMANCE.md"), help="'-': none"
    )
    parser.add_argument(
        "--render-only",
        action="store_true",
        help="measure nothing: rewrite the output from the last run's results",
    )
    parser.add_argument(
        "--import-formats",
        action="store_true",
        help="only measure rows/s read per file format (bench/import_formats.py)",
    )
    # Internal: one measurement inside Django, in a process of its own.
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# --- inside a phase process ------------------------------------------------


def run_phase(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from bench import hostile, measure, secretary, writes
    from bench.generate import Spec

    spec = Spec(workers=args.workers, months=args.months)
    phases = {
        "prepare": lambda: measure.prepare(spec),
        "import": lambda: measure.import_phase(spec, args.rows),
        "memory": lambda: measure.memory_phase(spec, args.rows),
        "report": lambda: measure.report_phase(spec),
        "pages": lambda: measure.pages_phase(spec),
        "sessions": lambda: measure.sessions_phase(spec, 12),
        "writes": lambda: writes.writes_phase(spec),
        "secretary": lambda: secretary.secretary_phase(spec),
        "refusals": hostile.refusal_phase,
    }
    result = phases[args.phase]()
    Path(args.out).write_text(json.dumps(result, default=str))


# --- the orchestrator ------------------------------------------------------


class Bench:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        # One key for every process of the run, so sessions made by one
        # phase are valid in the gunicorn server.
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DEBUG": "0",
            "HTTPS": "0",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "PYTHONPATH": str(ROOT),
        }
        self.env.pop("REDIS_URL", None)

    def log(self, text: str) -> None:
        print(text, flush=True)

    def phase(self, name: str, database: str, *, scale: int, **extra) -> dict:
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
            out = handle.name
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--phase",
            name,
            "--out",
            out,
            "--workers",
            str(self.args.workers * scale),
            "--months",
            str(self.args.months),
            "--rows",
            str(self.args.rows),
        ]
        env = {**self.env, "DATABASE_URL": databases.url_for(database), **extra}
        try:
            subprocess.run(command, env=env, check=True, cwd=ROOT)
            return json.loads(Path(out).read_text())
        finally:
            os.unlink(out)

    def prepare(self, scale: int) -> dict:
        name = databases.name_for(scale)
        wanted = {
            "workers": self.args.workers * scale,
            "months": self.args.months,
        }
        meta = databases.read_meta(name)
        matches = meta is not None and all(meta.get(k) == v for k, v in wanted.items())
        if self.args.regenerate or not matches:
            databases.drop(name)
        if not databases.exists(name):
            databases.create(name)
        workers, months = wanted["workers"], wanted["months"]
        self.log(f"Database {name}: {workers:,} workers × {months} months")
        result = self.phase("prepare", name, scale=scale)
        if not result["generated"]:
            self.log("  (reused: generated by an earlier run)")
        return {"database": name, **result}

    def on_clone(self, phase: str, scale: int, **extra) -> dict:
        """Run a phase that writes on a throw-away copy of the bench database."""
        source = databases.name_for(scale)
        clone = f"{source}_{phase}_{os.getpid()}"
        databases.drop(clone)
        databases.create(clone, template=source)
        try:
            return self.phase(phase, clone, scale=scale, **extra)
        finally:
            databases.drop(clone)

    def redis_url(self) -> str | None:
        if self.args.no_redis:
            return None
        url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
        try:
            import redis

            redis.Redis.from_url(url, socket_connect_timeout=2).ping()
        except Exception:  # no Redis here: the per-process cache will do
            return None
        return url

    def run(self) -> dict:
        args = self.args
        started = time.strftime("%Y-%m-%d %H:%M %Z")
        results: dict = {
            "command": " ".join(["python bench/run.py", *sys.argv[1:]]).strip(),
            "date": started,
            "machine": machine(),
            "scale": args.scale,
            # Other work on the machine shows here, and in the figures.
            "load_average_start": os.getloadavg()[0],
        }
        results["data"] = self.prepare(args.scale)
        compare = None if args.no_compare else args.compare_scale
        results["compare_scale"] = compare
        if compare and compare != args.scale:
            results["compare_data"] = self.prepare(compare)

        if not args.skip_import:
            self.log(
                f"Import of {args.rows:,} rows vs its floor (COPY into the real "
                "tables, with history) and django-import-export (on a copy of the data)"
            )
            # Rounds of floor and app in turn, each on a fresh copy: one
            # run of each moved by ±10% here, more than the goal's margin.
            rounds = [
                self.on_clone(
                    "import", args.scale, BENCH_IMPORT_PEER="1" if i == 0 else "0"
                )
                for i in range(args.import_rounds)
            ]
            results["import"] = report.combine_import_rounds(rounds)
            self.log(f"Peak memory of importing {args.rows:,} rows")
            results["memory"] = self.on_clone("memory", args.scale)

        database = databases.name_for(args.scale)
        self.log("Movement report selector vs hand-written SQL")
        results["report"] = self.phase("report", database, scale=args.scale)
        if compare and compare != args.scale:
            results["report_large"] = self.phase(
                "report", databases.name_for(compare), scale=compare
            )

        self.log("Dashboard pages: queries and time")
        results["pages"] = {args.scale: self.phase("pages", database, scale=args.scale)}
        if compare and compare != args.scale:
            results["pages"][compare] = self.phase(
                "pages", databases.name_for(compare), scale=compare
            )

        if not args.skip_secretary:
            self.log("The secretary's month: each page, uncached, time and queries")
            results["secretary"] = {
                args.scale: self.phase("secretary", database, scale=args.scale)
            }
            if compare and compare != args.scale:
                results["secretary"][compare] = self.phase(
                    "secretary", databases.name_for(compare), scale=compare
                )

        if not args.skip_writes:
            self.log("Writes: time and queries, on a copy of the data")
            results["writes"] = {args.scale: self.on_clone("writes", args.scale)}
            if compare and compare != args.scale:
                results["writes"][compare] = self.on_clone("writes", compare)

        if not args.skip_load:
            results["load"] = self.load(database, args.scale)

        if not args.skip_layers:
            self.log("Cache layers: each switched off in turn")
            results["layers"] = self.layers(compare or args.scale)

        if not args.skip_hostile:
            self.log("Hostile uploads: time to refusal; the login page meanwhile")
            results["hostile"] = self.hostile(database, args.scale)

        results["load_average_end"] = os.getloadavg()[0]
        results["seconds"] = None
        return results

    def server_env(self, database: str, *, redis_url: str | None = None) -> dict:
        """The environment of the server under load: ``database`` with
        persistent connections, as docs/DEPLOY.md recommends, and Redis as
        the shared cache when there is one."""
        env = {
            **self.env,
            "DATABASE_URL": databases.url_for(database),
            "CONN_MAX_AGE": "60",
        }
        if redis_url:
            env["REDIS_URL"] = redis_url
        return env

    def layers(self, scale: int) -> dict:
        """What each cache layer buys (docs/ARCHITECTURE.md, "Cache layers"):
        the pages in-process, uncached and cached, and the cached pages under
        load, with every layer on and with each switched off in turn; on the
        larger data, where the layers matter."""
        database = databases.name_for(scale)
        pages = {
            layer: self.phase("pages", database, scale=scale, CACHE_LAYERS_OFF=layer)
            for layer in report_layers.CONFIGURATIONS
        }
        result = {"scale": scale, "pages": pages}
        if load.wrk_path() is None:
            result["load"] = {"skipped": "wrk is not installed"}
            return result
        sessions = self.phase("sessions", database, scale=scale)
        redis_url = self.redis_url()
        env = self.server_env(database, redis_url=redis_url)
        result["cache"] = "Redis" if redis_url else "locmem (per process)"
        result["load"] = load.layer_runs(
            env=env,
            workers=self.args.gunicorn_workers,
            pages={
                "factory dashboard": sessions["dashboard"],
                "movement.json": sessions["json"],
                "frame": load.BASELINES["frame"],
            },
            cookie_name=sessions["cookie_name"],
            cookies=sessions["cookies"],
            seconds=self.args.seconds,
            layers=list(report_layers.CONFIGURATIONS),
            log=self.log,
        )
        return result

    def hostile(self, database: str, scale: int) -> dict:
        result = {"refusals": self.phase("refusals", database, scale=scale)}
        if load.wrk_path() is None:
            result["load"] = {"skipped": "wrk is not installed"}
            return result
        sessions = self.phase("sessions", database, scale=scale)
        env = self.server_env(database)
        result["load"] = hostile.uploads_under_load(
            env=env,
            # The first session is the secretary's, who may import.
            cookie=f"{sessions['cookie_name']}={sessions['cookies'][0]}",
            seconds=self.args.seconds,
            log=self.log,
        )
        return result

    def load(self, database: str, scale: int) -> dict:
        if load.wrk_path() is None:
            self.log("wrk is not installed (apt-get install wrk): load test skipped")
            return {"skipped": "wrk is not installed (apt-get install wrk)"}
        sessions = self.phase("sessions", database, scale=scale)
        redis_url = self.redis_url()
        env = self.server_env(database, redis_url=redis_url)
        self.log(
            f"Load test: gunicorn × {self.args.gunicorn_workers} workers, "
            f"cache: {'Redis' if redis_url else 'per process (locmem)'}"
        )
        result = load.load_test(
            env=env,
            workers=self.args.gunicorn_workers,
            dashboard=sessions["dashboard"],
            cookie_name=sessions["cookie_name"],
            cookies=sessions["cookies"],
            seconds=self.args.seconds,
            rounds=self.args.rounds,
            concurrency=[int(c) for c in self.args.concurrency.split(",")],
            log=self.log,
        )
        result["cache"] = "Redis" if redis_url else "locmem (per process)"
        return result


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    except OSError:
        pass
    import django

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": databases.server_version(),
    }


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.phase:
        run_phase(args)
        return 0
    if args.import_formats:
        # Needs no database: a subprocess, so Django is set up on its own.
        command = [sys.executable, str(ROOT / "bench" / "import_formats.py")]
        return subprocess.call([*command, "--rows", str(args.rows)])
    if args.render_only:
        results = json.loads(RESULTS.read_text())
    else:
        start = time.perf_counter()
        results = Bench(args).run()
        results["seconds"] = time.perf_counter() - start
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=1, default=str))
    table = report.table(results)
    print()
    print(table)
    if args.output != "-":
        Path(args.output).write_text(report.markdown(results))
        print(f"\nWritten to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
