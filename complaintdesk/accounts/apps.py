from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "complaintdesk.accounts"
    label = "accounts"
    verbose_name = "Users, roles and queue permissions"
