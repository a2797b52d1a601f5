from django.apps import AppConfig


class StaffingConfig(AppConfig):
    name = "complaintdesk.staffing"
    label = "staffing"
    verbose_name = "Workforce planning"
