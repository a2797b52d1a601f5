import itertools
import random
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone

from complaintdesk.accounts.models import ApiToken, QueueMembership, Role, User
from complaintdesk.cases import services
from complaintdesk.cases.importer import import_file, load_mapping, read_rows, row_to_case
from complaintdesk.cases.models import Case, Queue

USERS = [
    # username, role, queues
    ("admin", Role.ADMIN, []),
    ("supervisor", Role.SUPERVISOR, ["first-line", "second-line", "claims", "special"]),
    ("operator", Role.OPERATOR, ["first-line"]),
    ("specialist", Role.SPECIALIST, ["second-line", "claims"]),
    ("analyst", Role.ANALYST, []),
]

# (kind, topic, language, text, amount, remedy)
SAMPLES = [
    ("claim", "cards-atm-cash", "ru", "Банкомат на Тверской забрал {a} рублей и не зачислил их "
     "на карту. Кредит нужно платить завтра, верните деньги.", True, "money_back"),
    ("claim", "cards-unauthorized", "ru", "С карты списали {a} руб. за покупку, которую я не "
     "совершал. Прошу вернуть деньги.", True, "money_back"),
    ("claim", "delivery-damaged", "ru", "Курьер привёз разбитую бутылку масла, верните {a} "
     "рублей за неё.", True, "money_back"),
    ("claim", "fees-unexpected", "en", "You charged me a ${a} overdraft fee although my "
     "balance was positive. Please refund it.", True, "money_back"),
    ("claim", "loans-payment", "en", "My loan payment of ${a} was taken twice this month. "
     "I want the duplicate back.", True, "money_back"),
    ("complaint", "delivery-late", "ru", "Курьер опоздал на два часа и даже не позвонил. "
     "Продукты привезли в бумажных пакетах, они порвались.", False, "apology"),
    ("complaint", "service-waiting", "ru", "Ждал оператора 20 минут, потом звонок сорвался. "
     "Это уже третий раз.", False, "fix"),
    ("complaint", "service-staff", "ru", "Сотрудник отделения разговаривал грубо и отказался "
     "принять заявление.", False, "apology"),
    ("complaint", "digital-app", "en", "The mobile app logs me out every time I open it. "
     "Please fix this, it has been a week.", False, "fix"),
    ("complaint", "service-branch", "en", "Not enough staff in the branch, I waited 45 minutes "
     "to deposit a cheque.", False, "apology"),
    ("question", "cards", "ru", "Подскажите, как перевыпустить карту, если срок действия "
     "заканчивается?", False, ""),
    ("suggestion", "digital", "en", "It would be great to see pending card transactions in "
     "the app.", False, ""),
    ("gratitude", "service", "ru", "Спасибо оператору Анне, быстро помогла разблокировать "
     "карту!", False, ""),
]
# Left for triage to classify, each close to the claim/complaint or question/suggestion line, so
# the desk's "Needs review" list has open cases a person must confirm.
BORDERLINE_TEXTS = [
    "Оформил карту, а потом узнал про платное смс-информирование. Неприятно, могли бы "
    "предупредить.",
    "Банк поднял ставку по вкладу, но мне начислили проценты по старой. Разберитесь, пожалуйста.",
    "The branch closed early and I could not deposit my paycheck, so my rent payment bounced.",
    "Хорошее приложение, но почему нельзя посмотреть выписку за год? Верните старую версию.",
]
FIRST_NAMES = ["Иван", "Мария", "Ольга", "Пётр", "Анна", "John", "Mary", "Alex", "Sara", "Олег"]
CHANNELS = ["email", "web", "phone", "chat", "social", "sms", "letter"]


class Command(BaseCommand):
    help = "Prepare a demo database: users for each role, a few hundred cases, an API token."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=300)
        parser.add_argument("--imported", type=int, default=150,
                            help="rows from each shared data file, when ../shared/data exists")
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, cases, imported, seed, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
        fresh = not User.objects.filter(username="admin").exists()
        users = self._users()
        if fresh:
            self._generated_cases(count=cases, users=users, rng=random.Random(seed))
            self._borderline_cases()
            self._imported_cases(limit=imported)
        token = ApiToken.issue(user=users["supervisor"], name="demo")[1]
        self._print_logins(token)

    def _users(self) -> dict[str, User]:
        users = {}
        for username, role, queue_codes in USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"role": role, "email": f"{username}@demo.complaintdesk.local",
                          "is_staff": role == Role.ADMIN, "is_superuser": role == Role.ADMIN},
            )
            if created:
                user.set_password(f"demo-{username}")
                user.save()
            for code in queue_codes:
                QueueMembership.objects.get_or_create(user=user, queue=Queue.objects.get(code=code))
            users[username] = user
        Queue.objects.filter(supervisor__isnull=True).update(supervisor=users["supervisor"])
        Queue.objects.filter(escalation_manager__isnull=True).update(escalation_manager=users["admin"])
        return users

    def _generated_cases(self, *, count: int, users: dict[str, User], rng: random.Random) -> None:
        now = timezone.now()
        for _ in range(count):
            kind, topic, lang, text, has_amount, remedy = rng.choice(SAMPLES)
            steps = rng.choice([0, 0, 1, 2, 3, 4, 5])
            amount = Decimal(rng.choice([150, 300, 600, 1200, 2500, 5000, 15000]))
            name = rng.choice(FIRST_NAMES)
            customer = rng.randrange(120)  # repeat complainers appear naturally
            data = services.NewCase(
                channel=rng.choice(CHANNELS), text=text.format(a=amount), kind=kind, topic=topic,
                language=lang, received_at=now - _age(steps=steps, rng=rng),
                customer_name=name, customer_email=f"customer{customer}@example.com",
                customer_phone=f"+7900{customer:07d}",
                amount_claimed=amount if has_amount else None,
                currency=("RUB" if lang == "ru" else "USD") if has_amount else "",
                remedy_sought=remedy,
                resonance_source="regulator" if rng.random() < 0.04 else "",
                subject=text.format(a=amount)[:60],
            )
            case, _ = services.create_case(data=data, actor=None, notify=False)
            self._advance(case, steps=steps, users=users, rng=rng)

    def _borderline_cases(self) -> None:
        now = timezone.now()
        for index, text in enumerate(BORDERLINE_TEXTS):
            services.create_case(data=services.NewCase(
                channel="web", text=text, received_at=now - timedelta(hours=index + 1),
                customer_name=FIRST_NAMES[index], customer_email=f"review{index}@example.com",
                subject=text[:60],
            ), actor=None, notify=False)

    def _advance(self, case: Case, *, steps: int, users: dict[str, User], rng: random.Random) -> None:
        """Walk some cases along the lifecycle so every page has something to show."""
        actor = users["supervisor"]
        if steps >= 1:
            worker = {"first-line": "operator", "claims": "specialist"}.get(case.queue.code,
                                                                            "supervisor")
            services.assign(case=case, assignee=users[worker], actor=actor)
            case = services.transition(case=case, to="assessment", actor=actor)
        if steps >= 2:
            case = services.transition(case=case, to="investigation", actor=actor)
        if steps == 3:
            services.add_message(case=case, body="Пришлите, пожалуйста, фото чека.",
                                 direction="out", actor=actor)
            case = services.transition(case=case, to="waiting_customer", actor=actor)
        if steps >= 4:
            upheld = rng.random() < 0.7
            case = services.decide(
                case=case, outcome="upheld" if upheld else "rejected", actor=actor,
                amount_paid=case.amount_claimed if upheld and case.amount_claimed else None,
                text="Мы проверили обращение и приняли решение.", notify=False,
            )
        if steps >= 5:
            services.record_acceptance(case=case, accepted=rng.choice(["yes", "yes", "no"]),
                                       actor=None)

    def _imported_cases(self, *, limit: int) -> None:
        shared = Path(settings.COMPLAINTDESK["SHARED_DATA_DIR"])
        for name, mapping_name in (("cfpb_complaints_2015_2020.csv", "cfpb"),
                                   ("myfin_bank_reviews_ru.xlsx", "myfin")):
            if (shared / name).exists():
                mapping = load_mapping(mapping_name)
                report = import_file(shared / name, mapping=mapping, limit=limit,
                                     shift=_shift_to_today(shared / name, mapping=mapping, limit=limit))
                self.stdout.write(f"Imported {report.created} rows of {name}")
            else:
                self.stdout.write(f"{shared / name} not found: demo runs without it")

    def _print_logins(self, token: str) -> None:
        site = settings.SITE_URL
        self.stdout.write(self.style.SUCCESS(f"\ncomplaintdesk demo is ready: {site}/"))
        self.stdout.write(f"  Case register: {Case.objects.count()} cases")
        self.stdout.write("  Log in at " + f"{site}/accounts/login/ as:")
        for username, role, queues in USERS:
            where = ", ".join(queues) if queues else "all queues"
            self.stdout.write(f"    {username:<11} password demo-{username:<11} ({role}; {where})")
        self.stdout.write(f"  Admin (configuration): {site}/admin/")
        self.stdout.write(f"  API docs: {site}/api/v1/docs   OpenAPI: {site}/api/v1/openapi.json")
        self.stdout.write(f"  API token (supervisor): {token}")
        self.stdout.write(f'    curl -H "Authorization: Bearer {token}" {site}/api/v1/cases')
        self.stdout.write(f"  Customer form: {site}/complain/")


def _age(*, steps: int, rng: random.Random) -> timedelta:
    """How long ago a demo case arrived, so the desk looks live on any day it is started: new
    cases are hours old, cases in work a few days, decided ones older. Only a few of the open
    ones are past a deadline (the 1-business-day ATM claims and some questions)."""
    if steps == 0:
        return timedelta(minutes=rng.randrange(5, 60 * 4))
    if steps <= 3:
        return timedelta(minutes=rng.randrange(60, 60 * 24 * 3))
    return timedelta(minutes=rng.randrange(60 * 24 * 2, 60 * 24 * 45))


def _shift_to_today(path: Path, *, mapping: dict, limit: int) -> timedelta:
    """Whole days that move the rows to be imported so the newest arrived two days ago: the
    shared data sets end in 2020 and 2024, and a demo desk must not open on a case from then."""
    _, rows, _ = read_rows(path)
    newest = None
    for _, row in itertools.islice(rows, limit):
        try:
            received = row_to_case(mapping, row)[0].received_at
        except ValueError:
            continue
        newest = received if newest is None else max(newest, received)
    if newest is None:
        return timedelta(0)
    return timedelta(days=(timezone.localdate() - timezone.localdate(newest)).days - 2)
