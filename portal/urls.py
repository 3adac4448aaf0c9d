from django.contrib import admin
from django.urls import include, path

from orders.views import home

urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include("portal.accounts.urls")),
    path("admin/", admin.site.urls),
    path("", include("orders.urls")),
]
