from django.urls import path

from fablab.core.cache import PROJECTS_SCOPE, cached_public
from projects import exports, moderation_views, views
from projects.feeds import ProjectsFeed

# The feeds are the same for every reader: one cached copy per URL and language,
# dropped when a project changes (projects/invalidation.py).
cached_feed = cached_public(lambda request, **kwargs: [PROJECTS_SCOPE], timeout=600, max_age=300)(ProjectsFeed())

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="list"),
    path("new/", views.project_new, name="new"),
    path("export.json", exports.export_json, name="export_json"),
    path("export.csv", exports.export_csv, name="export_csv"),
    path("feed/", cached_feed, name="feed"),
    path("moderation/", moderation_views.moderation_page, name="moderation"),
    path(
        "moderation/projects/<slug:slug>/hide/",
        moderation_views.moderate_project,
        {"verb": "hide"},
        name="project_hide",
    ),
    path(
        "moderation/projects/<slug:slug>/restore/",
        moderation_views.moderate_project,
        {"verb": "restore"},
        name="project_restore",
    ),
    path(
        "moderation/comments/<int:pk>/hide/", moderation_views.moderate_comment, {"verb": "hide"}, name="comment_hide"
    ),
    path(
        "moderation/comments/<int:pk>/restore/",
        moderation_views.moderate_comment,
        {"verb": "restore"},
        name="comment_restore",
    ),
    path("moderation/reports/<int:pk>/dismiss/", moderation_views.dismiss_report, name="dismiss_report"),
    path("feed/labs/<slug:lab>/", cached_feed, name="lab_feed"),
    path("feed/tags/<slug:tag>/", cached_feed, name="tag_feed"),
    path("<slug:slug>/", views.project_detail, name="detail"),
    path("<slug:slug>/edit/", views.project_edit, name="edit"),
    path("<slug:slug>/comments/", views.comment_add, name="comment_add"),
    path("<slug:slug>/report/", views.report, name="report"),
    path("<slug:slug>/documentation.pdf", views.documentation_pdf, name="documentation_pdf"),
    path("<slug:slug>/files.zip", views.files_zip, name="files_zip"),
    path("<slug:slug>/publish/", views.project_publish, name="publish"),
    path("<slug:slug>/unpublish/", views.project_unpublish, name="unpublish"),
    path("<slug:slug>/remix/", views.project_remix, name="remix"),
    path("<slug:slug>/steps/", views.step_add, name="step_add"),
    path("<slug:slug>/steps/<int:pk>/edit/", views.step_edit, name="step_edit"),
    path("<slug:slug>/steps/<int:pk>/delete/", views.step_delete, name="step_delete"),
    path("<slug:slug>/steps/<int:pk>/move/", views.step_move, name="step_move"),
    path("<slug:slug>/materials/", views.material_add, name="material_add"),
    path("<slug:slug>/materials/<int:pk>/delete/", views.material_delete, name="material_delete"),
    path("<slug:slug>/files/", views.file_add, name="file_add"),
    path("<slug:slug>/files/<int:pk>/delete/", views.file_delete, name="file_delete"),
    path("<slug:slug>/files/<int:pk>/<str:name>", views.file_download, name="file_download"),
    path("<slug:slug>/steps/<int:pk>/images/", views.step_image_add, name="step_image_add"),
    path("<slug:slug>/steps/<int:pk>/images/<int:image_pk>/delete/", views.step_image_delete, name="step_image_delete"),
    path("<slug:slug>/collaborators/", views.collaborator_add, name="collaborator_add"),
    path("<slug:slug>/collaborators/<int:pk>/remove/", views.collaborator_remove, name="collaborator_remove"),
]
