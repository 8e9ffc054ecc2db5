from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Projects")

    def ready(self):
        from fablab.accounts import privacy
        from projects import invalidation  # noqa: F401 (connects the signal receivers)
        from projects.moderation import comments_erase
        from projects.selectors import comments_for_personal_data, projects_for_personal_data

        # Projects need no erasure: they are published under an open licence and show the
        # author's name only, which the erasure empties ("A member" is shown). Comments go.
        privacy.register_exporter("projects", projects_for_personal_data)
        privacy.register_exporter("project_comments", comments_for_personal_data)
        privacy.account_erasing.connect(comments_erase, dispatch_uid="projects.comments_erase")
