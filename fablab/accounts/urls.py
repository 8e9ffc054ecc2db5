from django.urls import path

from fablab.accounts import views

app_name = "accounts"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("language/", views.set_language, name="set_language"),
    path("calendar-token/revoke/", views.calendar_token_revoke, name="calendar_token_revoke"),
    path("privacy/", views.privacy, name="privacy"),
    path("privacy/my-data.json", views.personal_data_download, name="personal_data"),
    path("delete/", views.account_delete, name="delete"),
]
