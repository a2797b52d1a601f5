from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class DeskConfig(AppConfig):
    name = "complaintdesk.desk"
    label = "desk"
    verbose_name = gettext_lazy("Staff workspace")
