from django.urls import path

from complaintdesk.channels import views

app_name = "channels"

urlpatterns = [
    path("telegram/webhook/", views.telegram_webhook, name="telegram-webhook"),
    path("sms/inbound/", views.sms_inbound, name="sms-inbound"),
    path("sms/receipt/", views.sms_receipt, name="sms-receipt"),
    path("webhook/<slug:slug>/", views.generic_webhook, name="webhook"),
]
