from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Projects")

    def ready(self):
        from fablab.accounts import privacy
        from projects import invalidation  # noqa: F401 (connects the signal receivers)
        from projects.selectors import projects_for_personal_data

        # Erasure needs no receiver: projects are published under an open licence and
        # show the author's name only, which the erasure empties ("A member" is shown).
        privacy.register_exporter("projects", projects_for_personal_data)
