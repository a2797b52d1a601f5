from pathlib import Path

from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "complaintdesk.desk"
    label = "desk"
    verbose_name = "Staff workspace"
    # The shared stylesheet and vendored htmx live in complaintdesk/static/, which settings do
    # not list in STATICFILES_DIRS. Pointing this app's documented `path` at the project package
    # lets the app-directories static finder serve them. Remove once settings add
    # STATICFILES_DIRS = [BASE_DIR / "static"].
    path = str(Path(__file__).resolve().parent.parent)
