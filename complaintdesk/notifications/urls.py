from django.urls import path

from complaintdesk.notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/count/", views.bell, name="bell"),
    path("notifications/read/", views.mark_all_read, name="read_all"),
    path("me/notifications/", views.preferences, name="preferences"),
    path("views/", views.save_view, name="save_view"),
    path("views/<int:pk>/delete/", views.delete_view, name="delete_view"),
]
