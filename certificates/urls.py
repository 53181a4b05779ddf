"""Public and participant addresses of certificates."""

from django.urls import path

from certificates import views

app_name = "certificates"

urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("verify/<str:code>/", views.verify_code, name="verify_code"),
    path("mine/", views.mine, name="mine"),
    # The e-mail sent with a new certificate links here.
    path("<dbid:pk>/download/", views.download, name="download"),
]
