from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy
from django.views.generic import RedirectView

from complaintdesk.api.main import api

# The admin names the product, in the reader's language, instead of "Django administration".
admin.site.site_header = gettext_lazy("complaintdesk — administration")
admin.site.site_title = gettext_lazy("complaintdesk administration")
admin.site.index_title = gettext_lazy("Settings and data")

urlpatterns = [
    path("", RedirectView.as_view(url="/desk/", permanent=False)),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("desk/claims/", include("complaintdesk.claims.urls")),
    path("desk/staffing/", include("complaintdesk.staffing.urls")),
    path("desk/insights/", include("complaintdesk.insights.urls")),
    path("desk/channels/", include("complaintdesk.channels.desk")),
    path("desk/", include("complaintdesk.notifications.urls")),
    path("desk/", include("complaintdesk.desk.urls")),
    path("channels/", include("complaintdesk.channels.urls")),
    path("", include("complaintdesk.insights.public_urls")),
    path("", include("complaintdesk.portal.urls")),
]
