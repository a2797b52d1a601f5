from django import template
from django.conf import settings

register = template.Library()


@register.inclusion_tag("notifications/_bell.html", takes_context=True)
def bell(context):
    """The bell in the desk header; it asks for its count once loaded and then every N seconds,
    so a desk page itself spends no query on it."""
    return {"user": context.get("user"),
            "seconds": settings.COMPLAINTDESK["NOTIFICATION_POLL_SECONDS"]}


@register.simple_tag
def queue_refresh_seconds() -> int:
    return settings.COMPLAINTDESK["QUEUE_REFRESH_SECONDS"]
