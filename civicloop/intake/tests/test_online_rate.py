# SPDX-License-Identifier: MPL-2.0
"""Imported ぴったりサービス and LoGoフォーム applications count as online in the online rate."""

from datetime import date

from django.db.models import Q

from civicloop.analytics.dashboards import citizens
from civicloop.analytics.dashboards.base import Filters
from civicloop.analytics.models import MonthlyCount
from civicloop.applications.models import is_online_channel

MONTH = date(2026, 11, 1)


def test_the_online_channels_are_civicloop_pittari_and_logoform() -> None:
    assert all(is_online_channel(c) for c in ("online", "pittari", "logoform"))
    assert not any(is_online_channel(c) for c in ("counter", "phone", "mail", ""))


def test_the_channels_chart_counts_imported_online_applications_as_online(db: None) -> None:
    for channel, n in (("online", 30), ("pittari", 10), ("logoform", 5), ("counter", 55)):
        MonthlyCount.objects.create(
            month=MONTH, department="koseki_juumin", procedure="juminhyo", metric="submitted", dim=channel, count=n
        )
    chart = citizens.channels(Q(), Filters(MONTH, MONTH))
    (row,) = chart.rows
    assert row[1:] == [45, 55, 45.0]  # online, counter, online rate %
