from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class StaffingConfig(AppConfig):
    name = "complaintdesk.staffing"
    label = "staffing"
    verbose_name = gettext_lazy("Workforce planning")
