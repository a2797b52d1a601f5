from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class SlaConfig(AppConfig):
    name = "complaintdesk.sla"
    label = "sla"
    verbose_name = gettext_lazy("SLA policies and business calendars")
