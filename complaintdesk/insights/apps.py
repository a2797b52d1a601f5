from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class InsightsConfig(AppConfig):
    name = "complaintdesk.insights"
    label = "insights"
    verbose_name = gettext_lazy("Insights")
