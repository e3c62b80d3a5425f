"""Writes that change cases. Placeholder until the cases issue lands."""

import datetime as dt


def sync_cases_with_records(month: dt.date) -> None:
    """Move cases to reached quota / back to open from the month's records."""
