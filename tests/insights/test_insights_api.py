"""The insight tables over the API: same numbers as the dashboard, same roles."""

import pytest

pytestmark = pytest.mark.django_db


def test_an_analyst_reads_a_dashboard_table_as_json(api_as, analyst, mk):
    mk(kind="complaint")
    mk(kind="claim", topic="cards-atm-cash", amount_claimed=100)
    body = api_as(analyst).get("/insights/tables/volumes_channel", start="2026-02-01").json()
    assert body["header"] == ["kind", "channel", "cases"]
    assert sorted(body["rows"]) == [["claim", "email", 1], ["complaint", "email", 1]]


def test_operators_get_403_and_unknown_tables_404(api_as, teammate, admin_user, frozen):
    assert api_as(teammate).get("/insights/tables/quality").status_code == 403
    assert api_as(teammate).get("/insights/spikes").status_code == 403
    assert api_as(admin_user).get("/insights/tables/cases").status_code == 404
    assert api_as(admin_user).get("/insights/spikes").json() == []
