from django.urls import path

from complaintdesk.insights import views

urlpatterns = [
    path("survey/<str:token>/", views.survey, name="survey"),
]
