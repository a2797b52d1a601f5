from django.urls import path

from complaintdesk.staffing import views

app_name = "staffing"

urlpatterns = [
    path("", views.staffing_page, name="page"),
    path("structure/", views.structure_page, name="structure"),
]
