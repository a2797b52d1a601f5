"""`{{ case.resolve_by|case_time:case }}`: a case's time in its calendar's zone, labelled;
`{{ incident.created_at|local_time }}`: a time of no case in the site's zone, labelled."""

from django import template

from complaintdesk.cases import times

register = template.Library()


@register.filter
def case_time(moment, case) -> str:
    return times.case_time(case, moment)


@register.filter
def case_time_short(moment, case) -> str:
    return times.case_time(case, moment, fmt="SHORT_DATETIME_FORMAT")


@register.filter
def local_time(moment) -> str:
    return times.site_time(moment)


@register.filter
def local_time_short(moment) -> str:
    return times.site_time(moment, fmt="SHORT_DATETIME_FORMAT")
