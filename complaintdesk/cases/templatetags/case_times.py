"""`{{ case.resolve_by|case_time:case }}`: a case's time in its calendar's zone, labelled."""

from django import template

from complaintdesk.cases import times

register = template.Library()


@register.filter
def case_time(moment, case) -> str:
    return times.case_time(case, moment)


@register.filter
def case_time_short(moment, case) -> str:
    return times.case_time(case, moment, fmt="SHORT_DATETIME_FORMAT")
