"""Indicator roll-ups across units, by each declared rule, and dashboard pins."""

from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.test import Client
from django.utils import timezone

from thuocdo.accounts.models import Role
from thuocdo.core.errors import PermissionDenied
from thuocdo.delivery.models import Assignment, DashboardPin
from thuocdo.delivery.selectors import dashboard_pins, indicator_rollup
from thuocdo.delivery.services import (
    IndicatorValueInput,
    dashboard_pin_add,
    dashboard_pin_remove,
    indicator_define,
    report_submit,
)


@pytest.fixture
def reported(task_factory, unit_by_code, user_with_role):
    """A task led by Hà Nội with two communes cooperating; each unit reports a value twice
    (the later period counts)."""
    task = task_factory(
        lead_unit=unit_by_code("01"), cooperating_units=[unit_by_code("00004"), unit_by_code("00070")]
    )
    admin = user_with_role(Role.ADMIN, "BCDTW")
    this_month = timezone.localdate().replace(day=1)
    last_month = this_month - relativedelta(months=1)
    indicators = {
        rule: indicator_define(
            actor=admin,
            task=task,
            key=f"chi-tieu-{index}",
            name=f"Chỉ tiêu {rule}",
            unit_of_measure="hồ sơ",
            target=20,
            rollup=rule,
        )
        for index, rule in enumerate(["sum", "mean", "weighted_mean", "share_meeting_target"])
    }
    Assignment.objects.filter(task=task, unit__code="00004").update(weight=3)
    latest = {"01": 10, "00004": 30, "00070": 20}
    for assignment in task.assignments.select_related("unit"):
        for period, value in [(last_month, 99), (this_month, latest[assignment.unit.code])]:
            report_submit(
                actor=admin,
                assignment=assignment,
                period=period,
                progress=50,
                values=[IndicatorValueInput(key=i.key, value=value) for i in indicators.values()],
            )
    return task, indicators, admin


def test_each_roll_up_rule(reported, unit_by_code):
    _task, indicators, _admin = reported
    # latest values: 10 (weight 1), 30 (weight 3), 20 (weight 1)
    expected = {
        "sum": Decimal(60),
        "mean": Decimal(20),
        "weighted_mean": Decimal(120) / Decimal(5),
        "share_meeting_target": Decimal(200) / Decimal(3),  # 30 and 20 meet a target of 20
    }
    for rule, indicator in indicators.items():
        rollup = indicator_rollup(indicator=indicator)
        assert rollup.value == pytest.approx(expected[rule]), rule
        assert (rollup.units_reporting, rollup.units_assigned) == (3, 3)


def test_roll_up_within_a_subtree(reported, unit_by_code):
    _task, indicators, _admin = reported
    rollup = indicator_rollup(indicator=indicators["sum"], within=unit_by_code("00004"))
    assert rollup.value == Decimal(30)
    assert rollup.meets_target is True


def test_a_leader_pins_an_indicator_and_the_dashboard_shows_it(reported, user_with_role, unit_by_code):
    _task, indicators, _admin = reported
    leader = user_with_role(Role.LEADER, "01")
    pin = dashboard_pin_add(actor=leader, unit=unit_by_code("01"), indicator=indicators["mean"])
    assert [r.indicator for r in dashboard_pins(unit=unit_by_code("01"))] == [indicators["mean"]]
    client = Client()
    client.force_login(leader)
    page = client.get("/monitoring/units/01/").content.decode()
    assert "Chỉ tiêu đã ghim" in page
    assert "Chỉ tiêu mean" in page
    dashboard_pin_remove(actor=leader, pin=pin)
    assert not DashboardPin.objects.exists()


def test_an_officer_cannot_pin(reported, user_with_role, unit_by_code):
    _task, indicators, _admin = reported
    with pytest.raises(PermissionDenied):
        dashboard_pin_add(
            actor=user_with_role(Role.OFFICER, "01"), unit=unit_by_code("01"), indicator=indicators["sum"]
        )
    assert not DashboardPin.objects.exists()


def test_roll_up_through_the_public_api(reported, client):
    _task, indicators, _admin = reported
    body = client.get(f"/api/v1/monitoring/indicators/{indicators['sum'].pk}/rollup?within=01").json()
    assert Decimal(str(body["value"])) == Decimal(60)
    assert body["units_reporting"] == 3
    assert client.get("/api/v1/monitoring/indicators/999999/rollup").status_code == 404


def test_status_bar_widths_are_valid_svg_numbers(reported, user_with_role, client):
    import re

    client.force_login(user_with_role(Role.LEADER, "01"))
    page = client.get("/monitoring/units/01/").content.decode()
    widths = re.findall(r'<rect[^>]*width="([^"]*)"', page)
    assert widths
    assert all(re.fullmatch(r"-?\d+(\.\d+)?", w) for w in widths), widths
