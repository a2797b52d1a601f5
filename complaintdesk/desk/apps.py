from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "complaintdesk.desk"
    label = "desk"
    verbose_name = "Staff workspace"
