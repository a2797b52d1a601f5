from django.urls import path

from complaintdesk.insights import views

app_name = "insights"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export/<str:name>.<str:fmt>", views.export, name="export"),
    path("spikes/", views.spike_list, name="spikes"),
    path("spikes/<int:pk>/", views.spike_detail, name="spike"),
    path("spikes/<int:pk>/link/", views.spike_link, name="spike_link"),
    path("watchlist/", views.watchlist, name="watchlist"),
    path("themes/", views.theme_runs, name="themes"),
    path("themes/<int:pk>/", views.theme_run, name="theme_run"),
    path("rootcauses/", views.rootcause_list, name="rootcauses"),
    path("rootcauses/new/", views.rootcause_edit, name="rootcause_new"),
    path("rootcauses/<int:pk>/", views.rootcause_detail, name="rootcause"),
    path("rootcauses/<int:pk>/edit/", views.rootcause_edit, name="rootcause_edit"),
    path("rootcauses/<int:pk>/propose/", views.rootcause_propose, name="rootcause_propose"),
    path("actions/", views.action_list, name="actions"),
    path("actions/<int:pk>/", views.action_edit, name="action"),
    path("recovery/", views.recovery_list, name="recovery"),
    path("schedules/", views.schedule_list, name="schedules"),
    path("reports/<int:pk>/", views.report_print, name="report"),
    path("base/", views.base_list, name="bases"),
]
