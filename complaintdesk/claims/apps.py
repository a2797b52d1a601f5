from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "complaintdesk.claims"
    label = "claims"
    verbose_name = "Claims decisions"
