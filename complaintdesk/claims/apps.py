from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class ClaimsConfig(AppConfig):
    name = "complaintdesk.claims"
    label = "claims"
    verbose_name = gettext_lazy("Claims decisions")
