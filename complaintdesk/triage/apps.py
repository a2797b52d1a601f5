from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class TriageConfig(AppConfig):
    name = "complaintdesk.triage"
    label = "triage"
    verbose_name = gettext_lazy("Triage")

    def ready(self) -> None:
        from complaintdesk.lib import configcache
        from complaintdesk.triage.models import TriageModel

        configcache.watch(TriageModel)
