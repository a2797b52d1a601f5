from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class RepliesConfig(AppConfig):
    name = "complaintdesk.replies"
    label = "replies"
    verbose_name = gettext_lazy("Canned answers")
