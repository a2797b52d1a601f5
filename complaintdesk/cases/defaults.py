"""Sensible defaults a fresh installation starts with; admins change them in the admin."""

from decimal import Decimal

QUEUES = [
    ("first-line", "1-я линия / 1st line", "first"),
    ("second-line", "2-я линия / 2nd line", "second"),
    ("claims", "Отдел претензий / Claims department", "claims"),
    ("special", "Особая группа / Special escalation group", "special"),
]

# (code, name, parent code, money at risk)
TOPICS = [
    ("cards", "Карты / Cards", None, False),
    ("cards-atm-cash", "Банкомат не зачислил наличные / ATM took cash, not credited", "cards", True),
    ("cards-unauthorized", "Несанкционированное списание / Unauthorised charge", "cards", True),
    ("cards-blocked", "Блокировка карты / Card blocked", "cards", False),
    ("service", "Обслуживание / Service", None, False),
    ("service-waiting", "Ожидание на линии / Waiting time", "service", False),
    ("service-staff", "Поведение сотрудников / Staff behaviour", "service", False),
    ("service-branch", "Отделение / Branch", "service", False),
    ("delivery", "Доставка / Delivery", None, False),
    ("delivery-late", "Опоздание / Late delivery", "delivery", False),
    ("delivery-damaged", "Повреждённый товар / Damaged goods", "delivery", True),
    ("digital", "Приложение и сайт / App and website", None, False),
    ("digital-app", "Сбой приложения / App failure", "digital", False),
    ("loans", "Кредиты / Loans", None, False),
    ("loans-payment", "Платёж по кредиту / Loan payment", "loans", True),
    ("fees", "Комиссии / Fees", None, False),
    ("fees-unexpected", "Неожиданная комиссия / Unexpected fee", "fees", True),
]

# (name, kind, topic, channel, amount, unit, measure)
POLICIES = [
    ("Any case: 10 business days", "", None, "", 10, "days", "business"),
    ("Complaint: 10 business days", "complaint", None, "", 10, "days", "business"),
    ("Claim: 10 calendar days", "claim", None, "", 10, "days", "calendar"),
    ("Claim, ATM cash not credited: 1 business day", "claim", "cards-atm-cash", "", 1, "days",
     "business"),
    ("Question: 5 business days", "question", None, "", 5, "days", "business"),
    ("Regulator referral: 15 business days", "", None, "regulator", 15, "days", "business"),
]

HANDLING_COST_RUB = {
    "phone": Decimal("100"), "email": Decimal("300"), "web": Decimal("300"),
    "letter": Decimal("300"), "sms": Decimal("0.30"), "chat": Decimal("80"),
    "social": Decimal("150"), "regulator": Decimal("1500"), "api": Decimal("300"),
}


def install(apps) -> None:
    """Idempotent: creates what is missing, never overwrites an admin's change."""
    from complaintdesk.sla.calendars import load_production_calendar

    Calendar = apps.get_model("sla", "Calendar")
    Holiday = apps.get_model("sla", "Holiday")
    Policy = apps.get_model("sla", "Policy")
    Queue = apps.get_model("cases", "Queue")
    Topic = apps.get_model("cases", "Topic")
    Rate = apps.get_model("cases", "HandlingCostRate")

    calendar, created = Calendar.objects.get_or_create(
        code="ru-moscow",
        defaults={"name": "Россия, Москва (производственный календарь)",
                  "timezone": "Europe/Moscow",
                  "week": {d: ([["09:00", "18:00"]] if i < 5 else [])
                           for i, d in enumerate(["mon", "tue", "wed", "thu", "fri", "sat", "sun"])}},
    )
    if created:
        rows = []
        for year, data in load_production_calendar().items():
            kinds = {day: "holiday" for day in data["holidays"]}
            kinds.update({day: "short" for day in data["short_days"]})
            for day in data["extra_workdays"]:
                kinds[day] = "workday_short" if day in data["short_days"] else "workday"
            rows += [Holiday(calendar=calendar, date=day, kind=kind,
                             name=f"{year} production calendar")
                     for day, kind in sorted(kinds.items())]
        Holiday.objects.bulk_create(rows)
    for code, name, line in QUEUES:
        Queue.objects.get_or_create(code=code, defaults={"name": name, "line": line,
                                                         "calendar": calendar})
    by_code = {}
    for code, name, parent, money in TOPICS:
        topic, _ = Topic.objects.get_or_create(
            code=code, defaults={"name": name, "parent": by_code.get(parent),
                                 "money_at_risk": money})
        by_code[code] = topic
    if not Policy.objects.exists():
        for name, kind, topic, channel, amount, unit, measure in POLICIES:
            Policy.objects.create(
                name=name, kind=kind, topic=by_code.get(topic), channel=channel,
                calendar=calendar, resolve_amount=amount, resolve_unit=unit,
                resolve_measure=measure, acknowledge_minutes=60,
            )
    for channel, amount in HANDLING_COST_RUB.items():
        Rate.objects.get_or_create(channel=channel, defaults={"amount": amount, "currency": "RUB"})
