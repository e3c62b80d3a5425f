"""Campaign targets (赶超目标; DESIGN.md, "Is the help working?"): the
secretary sets, for a workshop or the factory, a measure to move from its
value in a start month to a target by a target month, and may revise the
target (a new version, the history kept). ``state`` computes a campaign's
burn-down, pace and projection as of a month from the monthly figures;
``services`` writes campaigns and their versions."""

from factory.figures.campaigns.services import (
    revise_campaign,
    revision_month,
    set_campaign,
)
from factory.figures.campaigns.state import (
    JSON_KEYS,
    CampaignState,
    Target,
    campaign_state,
    campaigns_as_of,
    report_rows,
)

__all__ = [
    "JSON_KEYS",
    "CampaignState",
    "Target",
    "campaign_state",
    "campaigns_as_of",
    "report_rows",
    "revise_campaign",
    "revision_month",
    "set_campaign",
]
