from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "complaintdesk.cases"
    label = "cases"
    verbose_name = "Case register"
