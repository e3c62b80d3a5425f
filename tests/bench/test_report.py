"""A quick smoke test of make bench's report (bench/report.py): every ratio of
the table is printed with its goal and whether it was met. No database,
no server: the figures are made up."""

from bench import report


def _run(rps, p95=100.0, errors=0, connections=50):
    return {
        "connections": connections,
        "seconds": 10,
        "rps": rps,
        "p50_ms": p95 / 2,
        "p95_ms": p95,
        "p99_ms": p95 * 2,
        "errors": errors,
    }


def _page(seconds):
    return {
        "status": 200,
        "queries": 12,
        "cached_queries": 3,
        "seconds": seconds,
        "cached_seconds": 0.005,
    }


RESULTS = {
    "scale": 1,
    "compare_scale": 10,
    "import": {
        "rows": 100_000,
        "copy_seconds": 0.1,
        "floor": {"seconds": 4.0, "runs": [4.0]},
        "import": {"seconds": 5.0, "stages": {}, "counts": {}},
        "reimport": {"seconds": 2.0, "stages": {}, "counts": {}},
        "peer": {"seconds": 80.0, "errors": False},
    },
    "pages": {
        "1": {"factory dashboard": _page(0.1), "movement.json": _page(0.05)},
        "10": {"factory dashboard": _page(0.5), "movement.json": _page(0.1)},
    },
    "load": {
        "baseline_connections": 50,
        "rounds": [
            {
                "trivial": _run(2000),
                "trivial_auth": _run(600),
                "frame": _run(400),
                "dashboard": _run(rps, p95=p95),
            }
            for rps, p95 in ((330, 250), (200, 400), (320, 280))
        ],
        "dashboard_runs": [_run(300, connections=10), _run(310, connections=100)],
    },
}


def _row(rows, start):
    found = [row for row in rows if row[0].startswith(start)]
    assert found, f"no row {start!r}"
    return found[0]


def test_every_ratio_has_its_goal_and_verdict():
    rows = report.rows(RESULTS)
    floor = _row(rows, "import 100,000 new records ÷ the floor")
    assert floor[3:] == ["1.25×", "≤ 1.5×", "yes"]
    peer = _row(rows, "django-import-export")
    assert peer[3:] == ["16.0× faster", "≥ 10× faster", "yes"]
    # Medians of the interleaved rounds: 320/600 and 280 ms.
    ratio = _row(rows, "cached factory dashboard req/s ÷ trivial")
    assert ratio[3:] == ["0.53", "≥ 0.5", "yes"]
    p95 = _row(rows, "p95 at 50 users")
    assert p95[1] == "280 ms" and p95[-1] == "yes"
    uncached = _row(rows, "factory dashboard: time 10× vs 1× (uncached)")
    assert uncached[3:] == ["5.0×", "≤ 3×", "**no**"]
    assert _row(rows, "dashboard at 100 users")[-1] == "yes"


def test_the_table_prints():
    text = report.table(RESULTS)
    assert "met" in text.splitlines()[0]


def _import_run(seconds):
    stages = {"read": 0.1, "plan": 0.1, "apply": seconds - 0.2}
    return {"seconds": seconds, "stages": stages, "counts": {}, "path": "app"}


def _round(floor, app, *, peer=None):
    return {
        "rows": 100_000,
        "months": ["1957-01"],
        "bytes": 3_000_000,
        "copy_seconds": 0.05,
        "floor": {"seconds": floor, "runs": [floor]},
        "import": _import_run(app),
        "reimport": _import_run(app / 3),
        "peer": peer,
    }


def test_import_rounds_give_the_median_of_their_ratios():
    # Round ratios 1.6, 1.4 and 1.2: the goal reads the middle one, not a
    # ratio of medians (3.6 ÷ 2.5 = 1.44) nor the first round's.
    rounds = [
        _round(2.0, 3.2, peer={"seconds": 10.0, "errors": False}),
        _round(2.5, 3.5),
        _round(3.0, 3.6),
    ]
    combined = report.combine_import_rounds(rounds)
    assert combined["floor_ratio"] == 3.5 / 2.5
    assert combined["import"]["seconds"] == 3.5
    assert combined["floor"]["seconds"] == 2.5
    assert combined["peer"]["seconds"] == 10.0
    rows = report.rows({"import": combined})
    floor = _row(rows, "import 100,000 new records ÷ the floor")
    assert "median of 3 interleaved rounds" in floor[0]
    assert floor[3:] == ["1.40×", "≤ 1.5×", "yes"]
    # The peer against the median app run.
    assert _row(rows, "django-import-export")[3] == "2.9× faster"
    machine = {
        "cpu": "cpu",
        "cores": 2,
        "memory": "24 GiB",
        "os": "Linux",
        "postgresql": "15",
        "python": "3.11",
        "django": "5.2",
    }
    counts = {"workers": 1, "workshops": 1, "records": 1, "classifications": 0}
    text = report.markdown(
        {
            "import": combined,
            "command": "python bench/run.py",
            "date": "2026-12-03",
            "seconds": 60,
            "scale": 1,
            "machine": machine,
            "data": {"counts": {**counts, "cases": 0}},
        }
    )
    assert "| 1 | 2.00 s | 3.20 s | 1.60× |" in text


def _write(seconds, queries):
    return {"seconds": seconds, "queries": queries}


WRITES = {
    scale: {
        "month": "1956-12",
        "sizes": {"grid_rows": 100, "classifications": 1000, "bulk_close": 141},
        "writes": {
            "close_case": _write(0.04 * factor, 25),
            "bulk_close": _write(0.35 * factor, 305 + extra),
        },
    }
    for scale, factor, extra in ((1, 1.0, 0), (10, 2.5, 1))
}


def test_each_write_is_read_against_its_own_time_at_1x():
    rows = report.rows({"writes": WRITES})
    close = _row(rows, "close one case: time 10× vs 1×")
    assert close[3:] == ["2.50×", "≤ 2×", "**no**"]
    assert _row(rows, "close one case: queries")[-1] == "yes"
    # One query more at 10×: the write grows with the data.
    assert _row(rows, "bulk-close cases that reached quota (141): queries")[3:] == [
        "differ",
        "same",
        "**no**",
    ]
    assert _row(rows, "bulk-close cases that reached quota (141) at 1×")[-1] == "yes"


def test_a_cache_layer_is_kept_for_the_gain_on_the_page_it_serves():
    def pages(seconds):
        return {
            "factory dashboard": _page(seconds),
            "movement.json": _page(0.05),
        }

    def load(dashboard, json, frame):
        return {
            "factory dashboard": [_run(dashboard)],
            "movement.json": [_run(json)],
            "frame": [_run(frame)],
        }

    layers = {
        "scale": 10,
        "pages": {
            "": pages(0.1),
            "summaries": pages(4.0),
            "figures": pages(0.1),
            "pages": pages(0.1),
            "roles": pages(0.1),
        },
        "load": {
            "": load(230, 200, 300),
            "summaries": load(230, 200, 300),
            "figures": load(230, 25, 300),
            "pages": load(75, 200, 300),
            "roles": load(207, 200, 150),
        },
    }
    rows = report.rows({"layers": layers})
    assert _row(rows, "cache layer 'summaries'")[3:] == ["+3900%", "≥ +20%", "yes"]
    assert _row(rows, "cache layer 'figures'")[-1] == "yes"
    # 230 against 207 requests a second: +11%, not worth its upkeep.
    assert _row(rows, "cache layer 'roles'")[3:] == ["+11%", "≥ +20%", "**no**"]


def test_each_secretary_page_is_read_against_300_ms_its_growth_and_its_queries():
    from bench import report_secretary

    def page(seconds, queries=20):
        return {"status": 200, "seconds": seconds, "queries": queries}

    results = {
        "1": {"home": page(0.120), "ranking": page(0.280), "publish": page(0.350)},
        "10": {
            "home": page(0.240),
            "ranking": page(0.900, queries=21),
            "publish": {"status": 500},
        },
    }
    verdicts = {row[0]: row[-1] for row in report_secretary.rows(results)}
    assert verdicts["secretary: home at 1× (uncached)"] == "yes"
    assert verdicts["secretary: home: time 10× vs 1×"] == "yes"  # 2.0×
    assert verdicts["secretary: ranking: time 10× vs 1×"] == "**no**"  # 3.2×
    assert verdicts["secretary: ranking: queries 1× / 10×"] == "**no**"
    assert verdicts["secretary: publish at 1× (uncached)"] == "**no**"  # 350 ms
    assert verdicts["secretary: publish at 10×"] == "**no**"  # HTTP 500
    section = "\n".join(report_secretary.markdown(results))
    assert "| ranking | 280.0 ms | 20 | 900.0 ms | 21 |" in section
