"""From raw files only, the movement report gives the figures of a hand count.

The files are what a committee has: a roster exported by Chinese Excel (GBK,
Chinese headers, workshop names), monthly records and the first month's
classifications. The expected figures are counted here in plain Python from
the rows written to the files — never by the application's own code.
"""

import csv
import datetime as dt
import io
import json
import random
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.management import call_command

from assistance.models import Measure
from assistance.services import open_case
from workers.models import Worker

WORKSHOPS = ["第一加工车间", "第二加工车间", "铸工车间"]
STATUSES = ["中共党员", "中共预备党员", "共青团员", "群众", "群众", "群众"]
CAUSES = ["技术落后", "思想问题", "家庭经济困难", "其它"]
CAUSE_CODES = {
    "技术落后": "technique",
    "思想问题": "ideology",
    "家庭经济困难": "family",
    "其它": "other",
}
MONTHS = ["1956-01", "1956-02", "1956-03"]


def share(part: int, whole: int) -> float:
    if not whole:
        return 0.0
    value = Decimal(part * 100) / Decimal(whole)
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def write_csv(path, header, rows, encoding):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


@pytest.fixture
def raw_files(tmp_path):
    rng = random.Random(1956)
    roster = []
    for n in range(1, 401):
        roster.append(
            [
                f"T{n:04d}",
                f"工人{n}",
                rng.choice(WORKSHOPS),
                "车工",
                rng.choice(STATUSES),
                rng.choice(["是", "否", "否"]),
            ]
        )
    records = {}
    for month in MONTHS:
        rows = []
        for employee_no, *_ in roster:
            if rng.random() < 0.05:
                continue  # not on quota this month
            quota = rng.choice([80, 100, 120, 150])
            output = quota + rng.randint(-30, 40)
            rows.append([employee_no, month, quota, output, "件"])
        records[month] = rows
    below_first = [r for r in records[MONTHS[0]] if r[3] < r[2]]
    classified = [
        [r[0], MONTHS[0], rng.choice(CAUSES), "备注"]
        for r in below_first
        if rng.random() < 0.9  # a few stay unclassified
    ]
    files = {
        "roster": write_csv(
            tmp_path / "花名册.csv",
            ["工号", "姓名", "车间", "工种", "政治面貌", "积极分子"],
            roster,
            "gbk",
        ),
        "classifications": write_csv(
            tmp_path / "原因.csv",
            ["工号", "月份", "原因", "备注"],
            classified,
            "utf-8-sig",
        ),
    }
    for month, rows in records.items():
        files[month] = write_csv(
            tmp_path / f"{month}.csv",
            ["employee_no", "month", "quota", "output", "unit"],
            rows,
            "utf-8-sig",
        )
    return files, roster, records, classified


def report(month, compare=None, workshop=None):
    out = io.StringIO()
    args = ["--month", month, "--format", "json"]
    if compare:
        args += ["--compare", compare]
    if workshop:
        args += ["--workshop", workshop]
    call_command("movement_report", *args, stdout=out)
    return json.loads(out.getvalue())


def hand_count(rows, workshop_of, workshop=None):
    rows = [r for r in rows if workshop is None or workshop_of[r[0]] == workshop]
    on_quota = len(rows)
    advanced = sum(1 for r in rows if r[3] >= r[2])
    failing = on_quota - advanced
    return {
        "workers_on_quota": on_quota,
        "advanced": advanced,
        "advanced_share": share(advanced, on_quota),
        "failing": failing,
    }


@pytest.mark.django_db
def test_report_matches_a_hand_count_of_the_files(raw_files, secretary):
    files, roster, records, classified = raw_files
    call_command(
        "import_workers",
        str(files["roster"]),
        "--create-workshops",
        stdout=io.StringIO(),
    )
    for month in MONTHS:
        call_command("import_records", str(files[month]), stdout=io.StringIO())
    call_command(
        "import_classifications", str(files["classifications"]), stdout=io.StringIO()
    )
    workshop_of = {r[0]: r[2] for r in roster}

    got = report("1956-03", compare="1956-02")
    march = hand_count(records["1956-03"], workshop_of)
    february = hand_count(records["1956-02"], workshop_of)
    for key, value in march.items():
        assert got[key] == value, key
    for key, value in february.items():
        assert got["compare"][key] == value, key
    assert got["advanced_change"] == march["advanced"] - february["advanced"]
    assert got["advanced_change_pct"] == share(
        march["advanced"] - february["advanced"], february["advanced"]
    )

    # Every workshop, from the factory report and from its own report.
    by_name = {w["name"]: w for w in got["workshops"]}
    assert set(by_name) == set(WORKSHOPS)
    for name in WORKSHOPS:
        expected = hand_count(records["1956-03"], workshop_of, name)
        for key, value in expected.items():
            assert by_name[name][key] == value, (name, key)
        assert (
            by_name[name]["compare_failing"]
            == hand_count(records["1956-02"], workshop_of, name)["failing"]
        )
        own = report("1956-03", workshop=by_name[name]["code"])
        assert own["workers_on_quota"] == expected["workers_on_quota"]
        assert own["advanced"] == expected["advanced"]

    # The first month's causes are those of the classification file.
    january = report("1956-01")
    failing = january["failing"]
    counted = Counter(CAUSE_CODES[row[2]] for row in classified)
    for code in ("technique", "ideology", "family", "other"):
        assert january["causes"][code] == {
            "count": counted[code],
            "share": share(counted[code], failing),
        }, code
    unclassified = failing - len(classified)
    assert unclassified > 0
    assert january["causes"]["unclassified"]["count"] == unclassified


@pytest.mark.django_db
def test_cases_reach_quota_by_themselves_when_the_next_month_is_imported(
    raw_files, secretary
):
    files, roster, records, classified = raw_files
    call_command(
        "import_workers",
        str(files["roster"]),
        "--create-workshops",
        stdout=io.StringIO(),
    )
    call_command("import_records", str(files["1956-01"]), stdout=io.StringIO())
    helpers = list(Worker.objects.eligible_helpers()[:20])
    opened = []
    for row in classified[:30]:
        worker = Worker.objects.get(employee_no=row[0])
        helper = next(h for h in helpers if h.pk != worker.pk)
        opened.append(
            open_case(
                worker=worker,
                month=dt.date(1956, 1, 1),
                cause=CAUSE_CODES[row[2]],
                measure=Measure.INDIVIDUAL_HELP,
                helpers=[helper],
                opened_by=secretary,
            )
        )
    assert report("1956-01")["cases"] == {"open": 30, "reached_quota": 0, "closed": 0}

    call_command("import_records", str(files["1956-02"]), stdout=io.StringIO())

    february = {r[0]: r for r in records["1956-02"]}
    reached = sum(
        1
        for case in opened
        if case.worker.employee_no in february
        and february[case.worker.employee_no][3] >= february[case.worker.employee_no][2]
    )
    assert 0 < reached < 30
    got = report("1956-02")["cases"]
    assert got == {"open": 30 - reached, "reached_quota": reached, "closed": 0}
