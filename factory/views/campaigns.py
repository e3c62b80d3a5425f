"""Campaign targets (/campaigns/): the list, as of the working month, with
each campaign's versions; the secretary sets one and revises its target.

Directors read the factory's campaigns and their workshops'; helpers get
403 (factory.figures.access). The figures are the dashboards' own
(factory.figures.bundles.campaign_states), so the two never disagree.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from factory.figures.access import require_report_reader, visible_codes
from factory.figures.bulletin_text import (
    campaign_judged,
    campaign_projection,
    campaign_sentence,
    campaign_title,
)
from factory.figures.bundles import campaign_states, known_months, page_default_month
from factory.figures.cache import ReportCache
from factory.figures.campaigns import revise_campaign, set_campaign
from factory.figures.campaigns.state import written
from factory.forms import CampaignForm, CampaignRevisionForm
from factory.models import Campaign, CampaignMeasure, CampaignVersion
from factory.roles import is_secretary
from workers.forms.base import attach_error
from workers.ids import int_param
from workers.models import Workshop
from workers.months import month_str


def campaign_cards(states: list[dict]) -> list[dict]:
    """Campaigns as of a month (bundles.campaign_states) with the words a
    page shows beside the figures: the dashboards' and this page's."""
    return [
        {
            **state,
            # The JSON's path of the campaign (bundles.flatten).
            "key": f"{state['workshop'] or '-'}.{state['measure']}"
            f".{state['start_month']}",
            "title": campaign_title(state),
            "projection": campaign_projection(state),
            "sentence": campaign_sentence(state),
            "measure_label": CampaignMeasure(state["measure"]).label,
            # Whether "not on course" says anything yet: not before a pace
            # (the start month), nor for a month not reported.
            "judged": campaign_judged(state),
            "is_share": state["measure"] == CampaignMeasure.ADVANCED_SHARE,
        }
        for state in states
    ]


def _latest(campaign: Campaign) -> CampaignVersion:
    return campaign.versions.all()[0]  # prefetched latest first


def _title(campaign: Campaign) -> str:
    """The campaign with its latest target (the list shows what is set now;
    its state is the working month's)."""
    version = _latest(campaign)
    return campaign_title(
        {
            "workshop_name": campaign.workshop.name if campaign.workshop else None,
            "measure": campaign.measure,
            "start_value": written(campaign.measure, campaign.start_value),
            "start_month": month_str(campaign.start_month),
            "target_value": written(campaign.measure, version.target_value),
            "target_month": month_str(version.target_month),
        }
    )


def _revision_form(campaign: Campaign, data=None) -> CampaignRevisionForm:
    latest = _latest(campaign)
    return CampaignRevisionForm(
        data,
        prefix=f"c{campaign.pk}",
        initial={
            "target_value": written(campaign.measure, latest.target_value),
            "target_month": latest.target_month,
        },
    )


def _set(request, form: CampaignForm):
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        campaign = set_campaign(
            workshop=data["workshop"],
            measure=data["measure"],
            start_month=data["start_month"],
            target_value=data["target_value"],
            target_month=data["target_month"],
            by=request.user,
        )
    except ValidationError as error:
        attach_error(form, error)
        return None
    messages.success(request, _("The campaign target is set."))
    return redirect(f"{request.path}#campaign-{campaign.pk}")


def _revise(request, campaign: Campaign, form: CampaignRevisionForm):
    if not form.is_valid():
        return None
    try:
        version = revise_campaign(
            campaign=campaign,
            target_value=form.cleaned_data["target_value"],
            target_month=form.cleaned_data["target_month"],
            by=request.user,
        )
    except ValidationError as error:
        attach_error(form, error)
        return None
    messages.success(
        request,
        _("The target is revised: version %(version)s.") % {"version": version.version},
    )
    return redirect(f"{request.path}#campaign-{campaign.pk}")


def _listed(codes: set[str] | None) -> list[Campaign]:
    """The campaigns of the reader's scope, the factory's first, each with
    its versions, latest first, and who set them (two queries)."""
    return list(
        Campaign.objects.visible_to(codes)
        .select_related("workshop")
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=CampaignVersion.objects.select_related("set_by").order_by(
                    "-version"
                ),
            )
        )
        .order_by(F("workshop__code").asc(nulls_first=True), "measure", "-start_month")
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_list(request):
    """Every campaign the reader may see, with its state as of the working
    month and its versions; the secretary's forms to set and revise."""
    require_report_reader(request.user)
    secretary = is_secretary(request.user)
    if request.method == "POST" and not secretary:
        raise PermissionDenied
    campaigns = _listed(visible_codes(request.user))
    rc = ReportCache()
    posted = request.POST if request.method == "POST" else None
    action = posted.get("action") if posted else None
    set_form = CampaignForm(
        posted if action == "set" else None,
        workshops=Workshop.objects.order_by("code") if secretary else (),
        months=known_months(rc),
    )
    revising = None
    if action == "revise":
        revising = next(
            (c for c in campaigns if c.pk == int_param(posted.get("campaign"))), None
        )
        if revising is None:
            raise Http404
    revision_forms = {
        campaign.pk: _revision_form(campaign, posted if campaign is revising else None)
        for campaign in (campaigns if secretary else ())
    }
    if action == "set":
        done = _set(request, set_form)
    elif revising is not None:
        done = _revise(request, revising, revision_forms[revising.pk])
    else:
        done = None
    if done is not None:
        return done
    month = page_default_month(rc)
    states = {card["id"]: card for card in campaign_cards(campaign_states(rc, month))}
    return render(
        request,
        "factory/campaign_list.html",
        {
            "month": month_str(month),
            "rows": [
                {
                    "campaign": campaign,
                    "title": _title(campaign),
                    "is_share": campaign.measure == CampaignMeasure.ADVANCED_SHARE,
                    "state": states.get(campaign.pk),
                    "versions": list(campaign.versions.all()),
                    "form": revision_forms.get(campaign.pk),
                    "open": campaign is revising,
                }
                for campaign in campaigns
            ],
            "set_form": set_form if secretary else None,
            # The form that was sent, for the page's error summary.
            "form": set_form
            if action == "set"
            else revision_forms.get(getattr(revising, "pk", None)),
            "is_secretary": secretary,
        },
    )
