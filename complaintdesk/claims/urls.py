from django.urls import path

from complaintdesk.claims import views

app_name = "claims"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("simulate/", views.simulate, name="simulate"),
    path("audits/<int:pk>/", views.audit, name="audit"),
]
