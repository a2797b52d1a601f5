from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "complaintdesk.insights"
    label = "insights"
    verbose_name = "Insights"
