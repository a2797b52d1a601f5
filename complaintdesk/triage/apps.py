from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "complaintdesk.triage"
    label = "triage"
    verbose_name = "Triage"

    def ready(self) -> None:
        from complaintdesk.lib import configcache
        from complaintdesk.triage.models import TriageModel

        configcache.watch(TriageModel)
