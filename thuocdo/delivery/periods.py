"""Reporting periods: a period is named by its first day (a month or a quarter)."""

from datetime import date

from dateutil.relativedelta import relativedelta


def period_start(day: date, recurrence: str) -> date:
    if recurrence == "quarterly":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return date(day.year, day.month, 1)


def period_end(start: date, recurrence: str) -> date:
    months = 3 if recurrence == "quarterly" else 1
    return start + relativedelta(months=months) - relativedelta(days=1)


def next_period(start: date, recurrence: str) -> date:
    return start + relativedelta(months=3 if recurrence == "quarterly" else 1)


def periods_between(first: date, last: date, recurrence: str) -> list[date]:
    """Every period start from the period of `first` to the period of `last`, inclusive."""
    current, end = period_start(first, recurrence), period_start(last, recurrence)
    result = []
    while current <= end:
        result.append(current)
        current = next_period(current, recurrence)
    return result


def month_end(year: int, month: int) -> date:
    return date(year, month, 1) + relativedelta(months=1) - relativedelta(days=1)
