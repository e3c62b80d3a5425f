"""Write the demo's advanced experiences at work (factory.demo.experiences)
through the apps' own paths: the catalogue and the demonstrations as their
pages save them (their saves announce themselves), the levels through
workers.services.mastery.record_mastery, the checks at the machine through
assistance.services.checks.record_machine_check, as the secretary. Every
step looks for what is already there first: running the seed again changes
nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistance.models import Demonstration, MachineCheck
from assistance.services.checks import record_machine_check
from factory.demo.experiences import build_experience_plan
from workers.models import Experience, Mastery
from workers.services.mastery import MasteryInput, record_mastery

if TYPE_CHECKING:
    from factory.demo.build import SeedResult

# The history's reason for the levels the demo writes.
SOURCE = "demo"


def _count(result: SeedResult, what: str, number: int = 1) -> None:
    if number:
        result.created[what] = result.created.get(what, 0) + number


def seed_catalogue(workers: dict, result: SeedResult) -> dict[str, Experience]:
    """The five experiences, by name (an experience of that name already in
    the catalogue is kept as it is: it is the factory's own)."""
    catalogue = {}
    for spec in build_experience_plan().experiences:
        experience, created = Experience.objects.get_or_create(
            name=spec.name,
            defaults={
                "trades": list(spec.trades),
                "description": spec.description,
                "first_shown_by": workers[spec.first_shown_by],
            },
        )
        _count(result, "experiences", created)
        catalogue[spec.name] = experience
    return catalogue


def case_experience(employee_no: str, catalogue: dict) -> Experience | None:
    """The experience a February technique case names, if any."""
    name = build_experience_plan().case_experiences.get(employee_no)
    return catalogue[name] if name else None


def seed_experience_story(
    workers: dict, workshops: dict, catalogue: dict, secretary, result: SeedResult
) -> None:
    """February's and March's demonstrations, the levels, the checks."""
    story = build_experience_plan()
    demonstrations = _showings(story, workers, workshops, catalogue, result)
    saved = record_mastery(
        rows=[
            MasteryInput(
                workers[level.worker].pk,
                catalogue[level.experience].pk,
                level.level,
                level.checked_on,
            )
            for level in story.levels
        ],
        by=secretary,
        source=SOURCE,
    )
    _count(result, "levels of mastery", saved.created + saved.updated)
    _checks(story, workers, demonstrations, secretary, result)


def _showings(story, workers, workshops, catalogue, result) -> dict:
    """Each demonstration by its key, created with its attendees; one of
    the demo's March ones loaded before the catalogue is given its
    experience."""
    demonstrations = {}
    for showing in story.showings:
        spec = showing.spec
        experience = catalogue[showing.experience]
        demonstration, created = Demonstration.objects.get_or_create(
            workshop=workshops[showing.workshop],
            date=spec.date,
            technique=spec.technique,
            defaults={
                "experience": experience,
                "demonstrator": workers[spec.demonstrator],
                "place": spec.place,
            },
        )
        if created:
            demonstration.attendees.add(*[workers[no] for no in spec.attendees])
            _count(result, "demonstrations")
        elif demonstration.experience_id is None:
            demonstration.experience = experience
            demonstration.save(update_fields=["experience"])
        demonstrations[showing.key] = demonstration
    return demonstrations


def _checks(story, workers, demonstrations, secretary, result) -> None:
    done = set(
        MachineCheck.objects.filter(
            demonstration__in=demonstrations.values()
        ).values_list("demonstration_id", "worker_id")
    )
    for check in story.checks:
        demonstration = demonstrations[check.showing]
        worker = workers[check.worker]
        if (demonstration.pk, worker.pk) in done:
            continue
        record_machine_check(
            demonstration=demonstration,
            worker=worker,
            result=check.result,
            reason=check.reason,
            checked_on=check.checked_on,
            seen_version=0,
            by=secretary,
        )
        _count(result, "checks at the machine")


def wipe_experiences(worker_ids: list[int]) -> None:
    """Once the demo's cases and demonstrations are deleted (their checks at
    the machine with them), before its workers: their levels, the
    experiences they first showed that nothing else uses (a real factory's
    are first shown by its own workers), and the history of all of them."""
    Mastery.objects.filter(worker_id__in=worker_ids).delete()
    unused = Experience.objects.filter(
        first_shown_by__in=worker_ids,
        masteries__isnull=True,
        demonstrations__isnull=True,
        cases__isnull=True,
    )
    ids = list(unused.values_list("pk", flat=True))
    Experience.objects.filter(pk__in=ids).delete()
    Mastery.history.filter(worker_id__in=worker_ids).delete()
    MachineCheck.history.filter(worker_id__in=worker_ids).delete()
    Experience.history.filter(id__in=ids).delete()
