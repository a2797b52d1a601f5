from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "complaintdesk.portal"
    label = "portal"
    verbose_name = "Customer portal"
