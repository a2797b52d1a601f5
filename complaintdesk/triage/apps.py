from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "complaintdesk.triage"
    label = "triage"
    verbose_name = "Triage"
