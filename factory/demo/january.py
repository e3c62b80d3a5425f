"""January's cases: is the help working? (DESIGN.md)

The committee began with a few cases in January, opened once January's
figures were in. By March they answer the question: four are stuck
(assistance.stuck: below quota since January, no real gain), one was
re-diagnosed in February from ideology to technique and reached quota in
March, and two helpers' closed cases stand against what the factory's
record predicts (assistance.helper_effect).

The plan's last step of drawing (factory.demo.plan): chosen after every
draw and without the generator, among workers with no other part in the
story, outside jg2 (its 17 → 4) and the foundry (its quota review). Only
who has a case since when moves, never a record, so every figure of the
report stays.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import TYPE_CHECKING

from assistance.models import SUGGESTED_MEASURE
from assistance.stuck import stuck_by_records
from factory.demo.specs import (
    FAMILY,
    FEB,
    IDEOLOGY,
    JAN,
    MAR,
    MONTHS,
    PARTY,
    TECHNIQUE,
    CaseSpec,
    ClosingSpec,
    RediagnosisSpec,
)
from factory.demo.texts import (
    NOTES,
    REDIAGNOSED_NOTES,
    REDIAGNOSIS_REASON,
    TRANSFER_REASON,
    january_follow_ups,
    rediagnosed_follow_ups,
)

if TYPE_CHECKING:
    from factory.demo.plan import _Draft

STUCK_SHOPS = ("jg1", "dz", "zp", "gj")  # one stuck case each
REDIAGNOSED_IN = ("jg1", "车工")  # workshop, trade
# One helper in each, whose five January workers met quota in February;
# the second helper's sixth case, stuck, is closed in March as transferred.
CLOSED_SHOPS = ("jg1", "dz")
CLOSED_PER_HELPER = 5
TRANSFERRED_SHOP = "dz"
# The closed cases' causes in turn: a mix, so that no cause reaches
# evidence.MIN_CLOSED closed cases and the measures suggested stay the
# usual ones.
CLOSED_CAUSES = (TECHNIQUE, IDEOLOGY, TECHNIQUE, FAMILY, TECHNIQUE)


def january_cases(d: _Draft, busy: set[str]) -> None:
    """The January cases, the re-diagnosis and the closings, into ``d``;
    ``busy``: the workers with a part in the story already."""
    # The demo helpers' own cases are theirs (their pages, the README).
    demo_helpers = {d.named["league_secretary"], d.named["han_wenlian"]}
    taken = {no for no, helpers in d.helpers_of.items() if demo_helpers & {*helpers}}
    taken |= busy
    for shop in STUCK_SHOPS:
        no = _pick(d, shop, taken, lambda no: _stuck_since_january(d, no))
        _open_in_january(d, no)
    _rediagnosed(d, taken)
    for shop in CLOSED_SHOPS:
        _closed(d, shop, taken)


def _pick(d: _Draft, shop: str, taken: set[str], wanted) -> str:
    """The first worker of ``shop``, in roster order, not taken and
    ``wanted``; taken from then on."""
    no = next(
        w.employee_no
        for w in d.by_shop[shop]
        if w.employee_no not in taken and wanted(w.employee_no)
    )
    taken.add(no)
    return no


def _below_since_january(d: _Draft, no: str) -> bool:
    """Below quota in January and February, helped by workers who met it
    in January: a case opened in January, still active in February."""
    return (
        no in d.feb_below_all
        and no not in d.hired_feb
        and d.below_in(no, JAN)
        and not any(d.below_in(helper, JAN) for helper in d.helpers_of[no])
    )


def _stuck_since_january(d: _Draft, no: str) -> bool:
    """Below quota in every month, March less than STUCK_GAIN points above
    January: the stuck rule on the records (assistance.stuck)."""
    if not (_below_since_january(d, no) and d.below_in(no, MAR)):
        return False
    (then_quota, then_output), (now_quota, now_output) = (
        d.records[(no, JAN)],
        d.records[(no, MAR)],
    )
    return stuck_by_records(
        months_after=2,  # January to March
        then=(then_output, then_quota),
        now=(now_output, now_quota),
    )


def _open_in_january(d: _Draft, no: str, **changes) -> None:
    """The worker's February case, opened in January instead."""
    index = next(i for i, case in enumerate(d.cases) if case.worker == no)
    d.cases[index] = replace(d.cases[index], month=JAN, **changes)


def _rediagnosed(d: _Draft, taken: set[str]) -> None:
    """A technique shortfall (February's split counts it so) taken for
    ideology in January and, at first, in February; re-diagnosed in
    February, coached at the lathe, at quota in March."""
    shop, trade = REDIAGNOSED_IN
    no = _pick(
        d,
        shop,
        taken,
        lambda no: (
            d.by_no[no].trade == trade
            and _below_since_january(d, no)
            and d.cause[no] == TECHNIQUE
            and not d.below_in(no, MAR)
        ),
    )
    _open_in_january(
        d,
        no,
        cause=IDEOLOGY,
        measure=_usual_measure(IDEOLOGY),
        note=REDIAGNOSED_NOTES["january"],
        follow_ups=rediagnosed_follow_ups(),
    )
    d.classifications[(no, FEB)] = (IDEOLOGY, REDIAGNOSED_NOTES["february"])
    d.rediagnoses.append(
        RediagnosisSpec(no, TECHNIQUE, "mentoring", REDIAGNOSIS_REASON, FEB)
    )


def _closed(d: _Draft, shop: str, taken: set[str]) -> None:
    """A Party member of ``shop`` who met quota every month helps five
    workers below it in January only; the secretary closes their cases in
    February as reached quota (and, in TRANSFERRED_SHOP, a stuck case of
    the same helper in March as transferred). The helper may help in
    February too: January's cases are closed by then."""
    helper = next(
        w.employee_no
        for w in d.by_shop[shop]
        if w.political_status == PARTY
        and w.employee_no not in d.named.values()
        and not any(d.below_in(w.employee_no, month) for month in MONTHS)
    )
    for _ in range(CLOSED_PER_HELPER):
        no = _pick(
            d,
            shop,
            taken,
            lambda no: no in d.rose_in_feb and not d.below_in(no, MAR),
        )
        opened = sum(case.month == JAN for case in d.cases)
        cause = CLOSED_CAUSES[opened % len(CLOSED_CAUSES)]
        measure = _usual_measure(cause)
        day = dt.date(1956, 2, 3 + 2 * (opened % 10))
        d.cases.append(
            CaseSpec(
                no,
                cause,
                measure,
                (helper,),
                NOTES[cause][opened % len(NOTES[cause])],
                january_follow_ups(measure, day),
                month=JAN,
            )
        )
        d.closings.append(ClosingSpec(no, "reached_quota", "", FEB))
    if shop == TRANSFERRED_SHOP:
        no = _pick(d, shop, taken, lambda no: _stuck_since_january(d, no))
        _open_in_january(d, no, helpers=(helper,))
        d.closings.append(ClosingSpec(no, "transferred", TRANSFER_REASON, MAR))


def _usual_measure(cause: str) -> str:
    """January had no demonstrations yet: technique was coached at the
    bench, the other causes had their usual measure."""
    return "mentoring" if cause == TECHNIQUE else SUGGESTED_MEASURE[cause].value
