from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "fablab.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from fablab.accounts import privacy
        from fablab.notifications.selectors import preferences_for_personal_data
        from fablab.notifications.services import erase_for_account

        privacy.register_exporter("notification_preferences", preferences_for_personal_data)
        privacy.account_erasing.connect(erase_for_account, dispatch_uid="notifications.erase_for_account")
