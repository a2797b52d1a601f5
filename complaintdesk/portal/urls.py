from django.urls import path

from complaintdesk.portal import views

app_name = "portal"

urlpatterns = [
    path("complain/", views.complain, name="complain"),
    path("complain/thanks/<str:reference>/", views.thanks, name="thanks"),
    path("track/<str:reference>/", views.track, name="track"),
    path("how-to-complain/", views.how_to_complain, name="how"),
]
