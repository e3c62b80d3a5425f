from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistanceConfig(AppConfig):
    name = "assistance"
    verbose_name = _("Help cases")

    def ready(self):
        # The one place where news from workers reaches assistance.
        from assistance import receivers  # noqa: F401

        _track_changes()


def _track_changes() -> None:
    """Saves and deletes of case data are announced (workers.changes).

    A case changes only through assistance.services, each change writing a
    CaseEvent effective in a month: the events are what is tracked, so a
    closing effective in March refreshes March on, never February.
    """
    from assistance.models import AssistanceCase, CaseEvent, Demonstration, FollowUp
    from workers.changes import Change, month_of, the_worker, track, track_m2m

    track(
        CaseEvent,
        Change.CASE_EVENTS,
        month_of("effective_month"),
        workers_of=_worker_of_the_case,
    )
    # A deleted case takes its events with it, and their deletes are
    # announced while the case row is still there: the case's own delete is
    # the moment its counts are gone (factory's monthly summaries).
    track(
        AssistanceCase,
        Change.CASE_DELETED,
        month_of("month"),
        workers_of=the_worker,
        saves=False,
    )
    # Aid granted and demonstrations are counted in their date's month.
    track(FollowUp, Change.FOLLOW_UPS, month_of("date"), may_move=True)
    track(Demonstration, Change.DEMONSTRATIONS, month_of("date"), may_move=True)
    # Members assigned count for the month a case was opened in.
    track_m2m(AssistanceCase.helpers.through, Change.CASE_HELPERS, month_of("month"))
    track_m2m(Demonstration.attendees.through, Change.ATTENDANCE, month_of("date"))


def _worker_of_the_case(event) -> set[int] | None:
    """The worker of an event's case when the case is at hand (the services
    write events with it); else not known, which costs no query."""
    case = event._state.fields_cache.get("case")
    return None if case is None else {case.worker_id}
