from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "complaintdesk.notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # The register announces its changes by signal; it never imports this app.
        from complaintdesk.cases.signals import case_changed
        from complaintdesk.notifications import receivers

        case_changed.connect(receivers.on_case_changed, dispatch_uid="notifications.case_changed")
