from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy


def _search_index(sender, using: str, plan=None, **kwargs) -> None:
    """Re-create the search index's triggers on SQLite, where a migration that rebuilds
    cases_case or cases_message drops them (cases/search_index.py)."""
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    connection = connections[using]
    # PostgreSQL keeps the triggers through every ALTER TABLE (the migration installed them);
    # re-running its DDL here would also fail inside a transaction with pending trigger events
    # (a test or a command that migrates after writing).
    if connection.vendor != "sqlite":
        return
    if not MigrationRecorder(connection).migration_qs.filter(
            app="cases", name="0013_search_index").exists():
        return
    from complaintdesk.cases.search_index import install

    install(connection)


class CasesConfig(AppConfig):
    name = "complaintdesk.cases"
    label = "cases"
    verbose_name = gettext_lazy("Case register")

    def ready(self) -> None:
        post_migrate.connect(_search_index, sender=self)
