"""Issue #22's "done when": a Russian supervisor walks insights, claims (simulator included),
staffing and the admin in a real browser at 1366 px and meets no English leftover, no raw code,
no horizontal scroll and no request to another host."""

from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from complaintdesk.accounts.models import User
from complaintdesk.cases import services
from complaintdesk.cases.models import Queue, Topic
from complaintdesk.insights.models import Cause, CorrectiveAction, ReportSchedule, RootCause
from tests.claims.conftest import make_matrix
from tests.conftest import new_case
from tests.i18n.russian import leftovers
from tests.portal.browser import shot

pytestmark = pytest.mark.django_db(transaction=True)

WIDTH = 1366
DESK_PAGES = [
    "/desk/insights/", "/desk/insights/watchlist/", "/desk/insights/spikes/",
    "/desk/insights/themes/", "/desk/insights/rootcauses/", "/desk/insights/rootcauses/new/",
    "/desk/insights/rootcauses/{rootcause}/", "/desk/insights/actions/",
    "/desk/insights/actions/{action}/", "/desk/insights/recovery/",
    "/desk/insights/schedules/", "/desk/insights/base/", "/desk/insights/reports/{schedule}/",
    "/desk/claims/", "/desk/claims/simulate/?topic=cards-atm-cash",
    "/desk/staffing/", "/desk/staffing/structure/", "/desk/staffing/structure/?source=example",
]
# The example structure's skills and topics are whatever its JSON says (data a person edits).
DATA_PAGES = {"/desk/staffing/structure/?source=example"}
ADMIN_PAGES = [
    "/admin/", "/admin/cases/case/", "/admin/cases/outbox/", "/admin/accounts/auditentry/",
    "/admin/staffing/answeredwait/", "/admin/insights/reportschedule/",
    "/admin/claims/decisionmatrix/", "/admin/sla/policy/",
]
# Found by this walk and fixed on wt/finish-offline (the claims page's width at 1366 px); the
# integrator drops an entry once that branch is merged. Each entry is (page, check).
FIXED_ON_FINISH_OFFLINE: set[tuple[str, str]] = {("/desk/claims/", "horizontal scroll")}

# What the plotly charts draw (legends, axis and subplot titles) is SVG text, outside innerText.
CHART_TEXT = "Array.from(document.querySelectorAll('svg text')).map(t => t.textContent).join('\\n')"
SCROLLS = "document.documentElement.scrollWidth > document.documentElement.clientWidth"


def _history_for_the_simulator() -> None:
    """40 decided ATM claims: 30 small ones investigation upheld, 10 large ones it refused."""
    start = timezone.now() - timedelta(days=200)
    for i in range(40):
        small = i < 30
        received = start + timedelta(days=i)
        services.create_case(data=new_case(
            kind="claim", topic="cards-atm-cash", amount_claimed=Decimal(500 if small else 50000),
            currency="RUB", customer_email=f"h{i}@example.com", received_at=received,
            history=services.HistoricalOutcome(
                status="closed", decision="upheld" if small else "rejected",
                decision_amount=Decimal(500) if small else None,
                decided_at=received + timedelta(days=5), closed_at=received + timedelta(days=6))),
            actor=None)


def _a_month_of_work(make_case, owner) -> dict[str, int]:
    make_matrix()  # the ATM matrix: small first claims are approved automatically
    make_case(kind="claim", topic="cards-atm-cash", amount_claimed=Decimal("600"), currency="RUB",
              channel="web", language="ru", customer_email="pavel@example.com",
              text="Банкомат не выдал деньги, но списал 600 рублей.")
    for i in range(3):  # a repeat complainer for the watch list
        make_case(kind="complaint", topic="delivery-late", channel="phone", language="ru",
                  text=f"Курьер опоздал уже {i + 2}-й раз.")
    _history_for_the_simulator()
    root = RootCause.objects.create(title="Опоздания курьеров", problem="Курьер не приходит",
                                    topic=Topic.objects.get(code="delivery-late"), created_by=owner)
    cause = Cause.objects.create(root_cause=root, text="Маршруты планируют накануне")
    action = CorrectiveAction.objects.create(cause=cause, title="Планировать утром", owner=owner,
                                             deadline=timezone.localdate() + timedelta(days=7))
    schedule = ReportSchedule.objects.create(name="Еженедельный отчёт", recipients="boss@example.com",
                                             created_by=owner, next_run_at=timezone.now())
    return {"rootcause": root.pk, "action": action.pk, "schedule": schedule.pk}


def _log_in(page, user) -> None:
    page.goto("/accounts/login/?next=/desk/")
    page.locator("input[name=username]").fill(user.username)
    page.locator("input[name=password]").fill("pw-" + user.username)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url("**/desk/**")


def _without_data(text: str) -> str:
    """The organisation's own names (the default queues and topics are bilingual,
    «Отдел претензий / Claims department») and its matrix's rule names are data, not interface."""
    names = list(Topic.objects.values_list("name", flat=True)) + list(
        Queue.objects.values_list("name", flat=True)) + ["small first claim", "surplus found"]
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ")
    return text


def _walk(page, paths: list[str], *, check_codes: bool, foreign: list[str]) -> dict:
    codes = tuple(Topic.objects.values_list("code", flat=True)) + tuple(
        Queue.objects.values_list("code", flat=True))
    problems: dict[tuple[str, str], object] = {}
    for path in paths:
        foreign.clear()
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("networkidle")
        if page.locator(".js-plotly-plot").count():
            page.locator(".js-plotly-plot svg text").first.wait_for()
        text = page.locator("body").inner_text() + "\n" + page.evaluate(CHART_TEXT)
        found = leftovers(_without_data(text),
                          codes=codes if check_codes and path not in DATA_PAGES else ())
        if found:
            problems[(path, "english or codes")] = found
        if page.evaluate(SCROLLS):
            problems[(path, "horizontal scroll")] = page.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        if foreign:
            problems[(path, "foreign host")] = list(foreign)
        shot(page, "22-ru-walk" + path.replace("/", "-").replace("?", "-").rstrip("-"))
    return problems


def test_a_russian_supervisor_walks_insights_claims_staffing_and_the_admin(
        new_page, live_server, owner, make_case):
    ids = _a_month_of_work(make_case, owner)
    admin = User.objects.create_superuser("root", "root@example.com", "pw-root")
    host = urlsplit(live_server.url).netloc
    foreign: list[str] = []
    problems: dict = {}
    for user, paths, check_codes in (
            (owner, [p.format(**ids) for p in DESK_PAGES], True),
            (admin, ADMIN_PAGES, False)):  # the admin shows codes on purpose: it edits them
        page = new_page(locale="ru-RU")
        page.set_viewport_size({"width": WIDTH, "height": 900})
        page.on("request", lambda request: foreign.append(request.url)
                if urlsplit(request.url).netloc != host and urlsplit(request.url).scheme in
                ("http", "https", "ws", "wss") else None)
        _log_in(page, user)
        problems.update(_walk(page, paths, check_codes=check_codes, foreign=foreign))
    unexpected = {k: v for k, v in problems.items() if k not in FIXED_ON_FINISH_OFFLINE}
    assert unexpected == {}
