"""Canned answers for one case: which fit it, their text filled from it, and sending a reply
that uses one (counted, and the status it names set, in the reply's transaction)."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.template.defaultfilters import floatformat
from django.utils import translation

from complaintdesk.accounts.models import User
from complaintdesk.cases import lifecycle, services
from complaintdesk.cases.models import Case, Message
from complaintdesk.cases.times import case_time
from complaintdesk.replies import placeholders
from complaintdesk.replies.models import CannedAnswer


def case_language(case: Case) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    return case.language if case.language in codes else settings.LANGUAGE_CODE


def _matches(answer: CannedAnswer, case: Case) -> tuple[int, int]:
    """(criteria met, criteria contradicted) of the answer's kind, topic and outcome."""
    met = missed = 0
    for wanted, actual in (
        (answer.kind, {case.kind}),
        (answer.topic_id, {case.topic_id, case.topic.parent_id if case.topic_id else None}),
        (answer.outcome, {case.decision}),
    ):
        if wanted:
            if wanted in actual:
                met += 1
            else:
                missed += 1
    return met, missed


def for_case(case: Case) -> tuple[list[CannedAnswer], list[CannedAnswer]]:
    """The active answers as (fitting, others): fitting ones are in the case's language and
    contradict none of its kind, topic and decision, the most specific and most used first."""
    language = case_language(case)
    fitting: list[CannedAnswer] = []
    others: list[CannedAnswer] = []
    met_by_pk: dict[int, int] = {}
    for answer in CannedAnswer.objects.filter(active=True):
        met, missed = _matches(answer, case)
        met_by_pk[answer.pk] = met
        (fitting if answer.language == language and not missed else others).append(answer)
    fitting.sort(key=lambda a: (-met_by_pk[a.pk], -a.uses, a.title))
    others.sort(key=lambda a: (a.language != language, a.title))
    return fitting, others


def values(case: Case, *, language: str) -> dict[str, str]:
    """What each placeholder stands for in this case, written in `language`."""
    with translation.override(language):
        amount = case.decision_amount if case.decision_amount is not None \
            else case.amount_claimed
        return {
            "customer_name": case.customer.name,
            "reference": case.reference or "",
            # In the zone of the calendar that runs the case's clock (cases/times.py).
            "deadline": case_time(case, case.resolve_by),
            "amount": f"{floatformat(amount, '2g')} {case.currency}".strip()
            if amount is not None else "—",
            "decision": str(case.get_decision_display()) if case.decision else "—",
        }


def render(answer: CannedAnswer, case: Case) -> str:
    return placeholders.fill(answer.body, values(case, language=answer.language))


@dataclass(frozen=True)
class Sent:
    message: Message
    status_set: str = ""  # the status the answer set, if it did
    status_skipped: str = ""  # the status the answer names but the case could not take


def send_reply(*, case: Case, body: str, actor: User | None, uploads: Sequence = (),
               answer: CannedAnswer | None = None) -> Sent:
    """Reply to the customer; with a canned answer, count its use and set the status it names
    (when the lifecycle allows that move from where the case stands; else only the reply)."""
    with transaction.atomic():
        message = services.add_message(case=case, body=body, direction=Message.Direction.OUT,
                                       actor=actor, uploads=uploads)
        if answer is None:
            return Sent(message=message)
        # F(): two operators sending at once both count.
        CannedAnswer.objects.filter(pk=answer.pk).update(uses=F("uses") + 1)
        target = answer.set_status
        current = Case.objects.values_list("status", flat=True).get(pk=case.pk)
        if not target or target == current:
            return Sent(message=message)
        if lifecycle.Status(target) not in lifecycle.allowed_targets(lifecycle.Status(current)):
            return Sent(message=message, status_skipped=target)
        services.transition(case=case, to=target, actor=actor)
        return Sent(message=message, status_set=target)
