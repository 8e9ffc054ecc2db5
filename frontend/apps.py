from django.apps import AppConfig


class FrontendConfig(AppConfig):
    name = "frontend"
    verbose_name = "Frontend"

    def ready(self):
        from frontend.staff import invalidation  # noqa: F401 (connects the signal receivers)
