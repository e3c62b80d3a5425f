"""The report's figures as sentences in the reader's language.

Shared by the movement_report command's text format and the monthly
bulletin, so both say the same thing the same way.
"""

from __future__ import annotations

from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from factory.figures.labels import cause_label, helper_kind_label, measure_label
from factory.models import CampaignMeasure
from factory.templatetags.report_tags import month_label, number, signed
from workers.models import QuotaDecision


def headline(report: dict) -> str:
    """ "March 1956: advanced producers are 78.5% of …, up 35% on February
    1956 (+35 percentage points)." — both readings of "up 35%"."""
    values = {
        "month": month_label(report["month"]),
        "compare": month_label(report["compare_month"]),
        "workers": report["workers_on_quota"],
        "advanced": report["advanced"],
        "share": number(report["advanced_share"]),
        "pct": number(abs(report["advanced_change_pct"] or 0)),
        "pp": signed(report["advanced_share_change_pp"]),
    }
    change = report["advanced_change_pct"]
    if not report["workers_on_quota"]:
        text = _("%(month)s: no worker has a record for this month.")
    elif change is None:
        text = _(
            "%(month)s: advanced producers are %(share)s%% of the %(workers)s "
            "workers on quota (%(advanced)s); %(compare)s had no advanced "
            "producers to compare with."
        )
    elif change > 0:
        text = _(
            "%(month)s: advanced producers are %(share)s%% of the %(workers)s "
            "workers on quota (%(advanced)s), up %(pct)s%% on %(compare)s "
            "(%(pp)s percentage points)."
        )
    elif change < 0:
        text = _(
            "%(month)s: advanced producers are %(share)s%% of the %(workers)s "
            "workers on quota (%(advanced)s), down %(pct)s%% on %(compare)s "
            "(%(pp)s percentage points)."
        )
    else:
        text = _(
            "%(month)s: advanced producers are %(share)s%% of the %(workers)s "
            "workers on quota (%(advanced)s), as many as in %(compare)s "
            "(%(pp)s percentage points)."
        )
    return text % values


def failing_sentence(report: dict) -> str:
    return _("Workers below quota: %(now)s (%(compare)s: %(before)s, %(change)s).") % {
        "now": report["failing"],
        "compare": month_label(report["compare_month"]),
        "before": report["compare"]["failing"],
        "change": signed(report["failing"] - report["compare"]["failing"]),
    }


def causes_list(causes: dict) -> str:
    """ "backward technique 70% (28); ideological problem 25% (10); …",
    leaving out causes nobody had."""
    parts = [
        _("%(cause)s %(share)s%% (%(count)s)")
        % {
            "cause": cause_label(key),
            "share": number(value["share"]),
            "count": value["count"],
        }
        for key, value in causes.items()
        if value["count"]
    ]
    return _("; ").join(parts)


def causes_sentence(causes: dict, month: str) -> str:
    failing = sum(value["count"] for value in causes.values())
    if not failing:
        return _("No worker was below quota in %(month)s.") % {
            "month": month_label(month)
        }
    return _("Of the %(failing)s workers below quota in %(month)s: %(causes)s.") % {
        "failing": failing,
        "month": month_label(month),
        "causes": causes_list(causes),
    }


def workshop_line(row: dict) -> str:
    return _(
        "%(name)s: %(workers)s workers on quota, advanced %(share)s%%, "
        "below quota %(before)s → %(now)s."
    ) % {
        "name": row["name"],
        "workers": row["workers_on_quota"],
        "share": number(row["advanced_share"]),
        "before": row["compare_failing"],
        "now": row["failing"],
    }


def cases_sentence(cases: dict) -> str:
    return _(
        "Help cases: %(open)s open, %(reached)s reached quota, %(closed)s closed."
    ) % {
        "open": cases["open"],
        "reached": cases["reached_quota"],
        "closed": cases["closed"],
    }


def stuck_sentence(count: int) -> str:
    return ngettext(
        "%(count)s help case is stuck: its worker has gained nothing since it "
        "was opened.",
        "%(count)s help cases are stuck: their workers have gained nothing since "
        "they were opened.",
        count,
    ) % {"count": count}


def quota_review_sentence(group: dict, names: dict[str, str]) -> str:
    """One quota review group of the JSON report, with its decision."""
    decision = (
        QuotaDecision(group["decision"]).label
        if group["decision"]
        else _("no decision yet")
    )
    return _(
        "The quota may be wrong: %(workshop)s × %(trade)s, %(failing)s of "
        "%(workers)s below quota (%(decision)s)."
    ) % {
        "workshop": names.get(group["workshop"], group["workshop"]),
        "trade": group["trade"],
        "failing": group["failing"],
        "workers": group["workers"],
        "decision": decision,
    }


def report_text(
    report: dict, workshop_name: str | None = None, campaigns: list[dict] = ()
) -> str:
    """The whole report as a short bulletin (the command's text format):
    ``campaigns`` are the campaign states of the report's scope, with their
    names (factory.figures.bundles.with_campaigns)."""
    lines = []
    if workshop_name:
        lines.append(_("Workshop: %(name)s") % {"name": workshop_name})
    lines.append(headline(report))
    lines.append(failing_sentence(report))
    if report["failing"]:
        lines.append(causes_sentence(report["causes"], report["month"]))
    lines.extend(workshop_line(row) for row in report["workshops"])
    lines.append(cases_sentence(report["cases"]))
    if report.get("stuck_cases"):
        lines.append(stuck_sentence(report["stuck_cases"]))
    names = {row["code"]: row["name"] for row in report["workshops"]}
    lines.extend(
        quota_review_sentence(group, names) for group in report.get("quota_reviews", ())
    )
    lines.extend(campaign_sentence(state) for state in campaigns)
    return "\n".join(lines) + "\n"


# --- the bulletin's measures and cases ---------------------------------------


def list_text(items: list[str]) -> str:
    return _(", ").join(items)


def sentence(text: str, details: str = "") -> str:
    if details:
        return _("%(text)s (%(details)s).") % {"text": text, "details": details}
    return _("%(text)s.") % {"text": text}


def label_count(label: str, count: int) -> str:
    return _("%(label)s %(count)s") % {"label": label, "count": count}


def demonstrations_sentence(demonstrations: dict) -> str:
    count = demonstrations["count"]
    text = ngettext(
        "%(count)s demonstration of advanced experience, %(attendance)s attendances",
        "%(count)s demonstrations of advanced experience, %(attendance)s attendances",
        count,
    ) % {"count": count, "attendance": demonstrations["attendance"]}
    details = list_text(
        [
            _("%(name)s %(count)s/%(attendance)s") % row
            for row in demonstrations["workshops"]
        ]
    )
    return sentence(text, details)


def helpers_sentence(helpers: dict) -> str:
    total = helpers["total"]
    text = ngettext(
        "%(count)s Party member, League member or activist made personally "
        "responsible for workers",
        "%(count)s Party members, League members and activists made personally "
        "responsible for workers",
        total,
    ) % {"count": total}
    details = list_text(
        [
            label_count(helper_kind_label(key), count)
            for key, count in helpers.items()
            if key != "total" and count
        ]
    )
    return sentence(text, details)


def aid_sentence(aid: dict) -> str:
    return ngettext(
        "Hardship aid granted %(count)s time, %(total)s yuan in all.",
        "Hardship aid granted %(count)s times, %(total)s yuan in all.",
        aid["grants"],
    ) % {"count": aid["grants"], "total": aid["total"]}


def cases_opened_sentence(opened: dict) -> str:
    items = [
        label_count(measure_label(key), count) for key, count in opened.items() if count
    ]
    if not items:
        return ""
    return _("Help cases opened: %(list)s.") % {"list": list_text(items)}


def reached_summary(total: int, by_measure: list[dict]) -> str:
    return ngettext(
        "%(count)s worker with a help case reached quota: %(list)s.",
        "%(count)s workers with a help case reached quota: %(list)s.",
        total,
    ) % {
        "count": total,
        "list": list_text(
            [label_count(row["label"], row["count"]) for row in by_measure]
        ),
    }


def reached_case_text(case: dict) -> str:
    """One worker who reached quota, as safe HTML: the name in bold when the
    reader may see names, else "A worker of <workshop>"."""
    values = {
        "workshop": case["workshop_name"],
        "employee_no": case.get("employee_no", ""),
        "cause": cause_label(case["cause"]),
        "measure": measure_label(case["measure"]),
        "helpers": list_text(
            [
                _("%(kind)s %(name)s")
                % {"kind": helper_kind_label(h["kind"]), "name": h["name"]}
                for h in case.get("helpers", [])
            ]
        ),
    }
    values = {key: conditional_escape(value) for key, value in values.items()}
    if "name" not in case:
        text = _("A worker of %(workshop)s: %(cause)s; %(measure)s.")
    elif values["helpers"]:
        text = _(
            "%(name)s (%(workshop)s, %(employee_no)s): %(cause)s; %(measure)s; "
            "helped by %(helpers)s."
        )
    else:
        text = _("%(name)s (%(workshop)s, %(employee_no)s): %(cause)s; %(measure)s.")
    if "name" in case:
        values["name"] = format_html("<strong>{}</strong>", case["name"])
    # The message is ours and every value is escaped above.
    return mark_safe(text % values)  # noqa: S308


# --- campaign targets (factory.figures.campaigns) ----------------------------


def campaign_value(state: dict, value) -> str:
    """A value of the campaign's measure: workers, or a share in percent."""
    if state["measure"] == "advanced_share":
        return _("%(share)s%%") % {"share": number(value)}
    return number(value)


def campaign_title(state: dict) -> str:
    """ "第二加工车间, workers below quota: 17 (February 1956) → 4 by April
    1956" — the scope, the measure, the start and the target in force."""
    return _(
        "%(scope)s, %(measure)s: %(start)s (%(start_month)s) → %(target)s by "
        "%(target_month)s"
    ) % {
        "scope": state["workshop_name"] or _("The factory"),
        "measure": CampaignMeasure(state["measure"]).label,
        "start": campaign_value(state, state["start_value"]),
        "start_month": month_label(state["start_month"]),
        "target": campaign_value(state, state["target_value"]),
        "target_month": month_label(state["target_month"]),
    }


def campaign_projection(state: dict) -> str:
    """The projected month at the current pace, or why there is none."""
    if state["value"] is None:
        return _("%(month)s not reported yet") % {"month": month_label(state["month"])}
    if state["projected_month"]:
        return _("at this pace: %(month)s") % {
            "month": month_label(state["projected_month"])
        }
    if state["pace"] is None:
        return _("no pace before a second month with records")
    return _("not at this pace")


def campaign_judged(state: dict) -> bool:
    """Whether a campaign can be called on course or not yet: from its
    second month with records (a pace), in a month the scope reported. The
    JSON says ``on_course: false`` before; the pages say nothing."""
    return state["value"] is not None and (
        state["pace"] is not None or state["reached"]
    )


def campaign_sentence(state: dict) -> str:
    """One sentence naming a campaign's state as of the month (the bulletin):
    its value then, whether the target is reached, the projection, and
    whether it is on course."""
    parts = []
    if state["value"] is not None:
        parts.append(
            _("%(value)s in %(month)s")
            % {
                "value": campaign_value(state, state["value"]),
                "month": month_label(state["month"]),
            }
        )
    if state["reached"]:
        parts.append(_("target reached"))
    parts.append(campaign_projection(state))
    if campaign_judged(state):
        parts.append(_("on course") if state["on_course"] else _("not on course"))
    return _("%(title)s: %(state)s.") % {
        "title": campaign_title(state),
        "state": _("; ").join(parts),
    }
