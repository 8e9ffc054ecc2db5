"""/api/v1/projects/: the published projects for everyone, and their authors' writes.

Reads: `GET projects/` (search and facets as on the public list, through the
same `project_search`) and `GET projects/{slug}/` (drafts only for those who
may see them). Writes call the same services as the HTML editor: create a
draft, change it (authors only), add steps and materials, publish, unpublish,
and remix a published project into a new draft of one's own.
"""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticatedOrReadOnly
from rest_framework.response import Response

from fablab.core.uploads import upload_too_large
from fablab.labs.models import Lab
from machines.selectors import machines_for_public
from projects import attachments, services
from projects.licences import LICENCE_CHOICES
from projects.markdown import render_markdown
from projects.models import MAX_TAGS, Difficulty, Material, Project, ProjectFile, Step, StepImage
from projects.selectors import (
    ProjectFilters,
    Sort,
    project_for_editor,
    project_for_public,
    project_search,
    projects_published,
)


def _author(user):
    return user.full_name


class LicenceSerializer(serializers.Serializer):
    spdx = serializers.CharField()
    name = serializers.CharField()
    url = serializers.URLField()


class TagSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


@extend_schema_field(serializers.ListField(child=serializers.CharField(max_length=40)))
class TagsField(serializers.ListField):
    """Tag names in; `[{"slug", "name"}]` out (the slug is what `?tag=` takes)."""

    def to_representation(self, tags):
        return [{"slug": tag.slug, "name": tag.name} for tag in tags.all()]


class StepImageSerializer(serializers.ModelSerializer):
    class Meta:
        model = StepImage
        fields = [
            "id",
            "position",
            "image",
            "width",
            "height",
            "thumbnail",
            "thumbnail_width",
            "thumbnail_height",
            "alt",
        ]
        read_only_fields = fields


class StepSerializer(serializers.ModelSerializer):
    body_html = serializers.SerializerMethodField()
    images = StepImageSerializer(many=True, read_only=True)

    class Meta:
        model = Step
        fields = ["id", "position", "title", "body", "body_html", "images"]
        read_only_fields = ["id", "position"]

    def get_body_html(self, step) -> str:
        return str(render_markdown(step.body))


class MaterialSerializer(serializers.ModelSerializer):
    class Meta:
        model = Material
        fields = ["id", "position", "item", "quantity", "unit", "link", "note"]
        read_only_fields = ["id", "position"]


class ProjectFileSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = ProjectFile
        fields = ["id", "position", "name", "kind", "size_bytes", "sha256", "uploaded_at", "url"]
        read_only_fields = fields

    def get_url(self, project_file) -> str:
        request = self.context.get("request")
        path = project_file.get_absolute_url()
        return request.build_absolute_uri(path) if request else path


class FileUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True)


class StepImageUploadSerializer(serializers.Serializer):
    image = serializers.FileField()
    alt = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ProjectSerializer(serializers.ModelSerializer):
    """A project as listed: what a card shows, plus its facets."""

    url = serializers.SerializerMethodField()
    lab = serializers.SlugRelatedField(slug_field="slug", queryset=Lab.objects.filter(is_active=True))
    owner = serializers.SerializerMethodField()
    licence = serializers.CharField(max_length=32, allow_blank=True, required=False, help_text="An SPDX identifier.")
    licence_details = serializers.SerializerMethodField()
    machines = serializers.PrimaryKeyRelatedField(many=True, queryset=machines_for_public(), required=False)
    tags = TagsField(child=serializers.CharField(max_length=40), required=False, max_length=MAX_TAGS)
    cover = serializers.ImageField(read_only=True)
    cover_thumbnail = serializers.ImageField(read_only=True)

    class Meta:
        model = Project
        fields = [
            "slug",
            "url",
            "title",
            "summary",
            "lab",
            "owner",
            "licence",
            "licence_details",
            "difficulty",
            "duration_minutes",
            "machines",
            "tags",
            "cover",
            "cover_thumbnail",
            "cover_alt",
            "status",
            "published_at",
            "updated_at",
        ]
        read_only_fields = ["slug", "status", "published_at", "updated_at"]

    def get_url(self, project) -> str:
        request = self.context.get("request")
        path = project.get_absolute_url()
        return request.build_absolute_uri(path) if request else path

    def get_owner(self, project) -> str:
        return _author(project.owner)

    @extend_schema_field(LicenceSerializer(allow_null=True))
    def get_licence_details(self, project):
        licence = project.licence_info
        return {"spdx": licence.spdx, "name": licence.name, "url": licence.url} if licence else None


class ProjectDetailSerializer(ProjectSerializer):
    """A project in full: texts in Markdown and as sanitised HTML, steps, materials, lineage."""

    collaborators = serializers.SerializerMethodField()
    description_html = serializers.SerializerMethodField()
    what_went_wrong_html = serializers.SerializerMethodField()
    steps = StepSerializer(many=True, read_only=True)
    materials = MaterialSerializer(many=True, read_only=True)
    files = ProjectFileSerializer(many=True, read_only=True)
    remixed_from = serializers.SerializerMethodField()
    remixes = serializers.SerializerMethodField()

    class Meta(ProjectSerializer.Meta):
        fields = [
            *ProjectSerializer.Meta.fields,
            "collaborators",
            "description",
            "description_html",
            "what_went_wrong",
            "what_went_wrong_html",
            "steps",
            "materials",
            "files",
            "remixed_from",
            "remixes",
            "created_at",
        ]
        read_only_fields = [*ProjectSerializer.Meta.read_only_fields, "created_at"]

    def get_collaborators(self, project) -> list[str]:
        return [_author(user) for user in project.collaborators.all()]

    def get_description_html(self, project) -> str:
        return str(render_markdown(project.description))

    def get_what_went_wrong_html(self, project) -> str:
        return str(render_markdown(project.what_went_wrong))

    def get_remixed_from(self, project) -> str | None:
        parent = project.remixed_from
        return parent.slug if parent and parent.is_published else None

    def get_remixes(self, project) -> list[str]:
        return [remix.slug for remix in getattr(project, "published_remixes", [])]


class ProjectQuery(serializers.Serializer):
    search = serializers.CharField(required=False, allow_blank=True, max_length=200)
    machine = serializers.IntegerField(required=False, min_value=1)
    tag = serializers.SlugField(required=False)
    licence = serializers.ChoiceField(choices=LICENCE_CHOICES, required=False)
    difficulty = serializers.ChoiceField(choices=Difficulty.choices, required=False)
    lab = serializers.SlugField(required=False)
    sort = serializers.ChoiceField(choices=[Sort.RELEVANCE, Sort.NEWEST, Sort.MOST_REMIXED], required=False)


class ProjectViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Documented open projects: published ones for everyone; drafts for their authors."""

    lookup_field = "slug"
    permission_classes = [IsAuthenticatedOrReadOnly]
    filter_backends = []  # `list` filters through project_search, as the HTML list does
    http_method_names = ["get", "post", "patch", "head", "options"]
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    queryset = Project.objects.none()  # for the schema; requests use get_queryset

    def get_serializer_class(self):
        return ProjectSerializer if self.action == "list" else ProjectDetailSerializer

    def get_queryset(self):
        return projects_published()

    def get_object(self):
        try:
            project = project_for_public(self.kwargs["slug"], user=self.request.user)
        except Project.DoesNotExist:
            raise Http404 from None
        self.check_object_permissions(self.request, project)
        return project

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        query = ProjectQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        params = dict(query.validated_data)
        return project_search(params.pop("search", ""), ProjectFilters(**params))

    @extend_schema(
        parameters=[
            OpenApiParameter("search", str, description="Words to find (websearch syntax on PostgreSQL)."),
            OpenApiParameter("machine", int, description="Machine id."),
            OpenApiParameter("tag", str, description="Tag slug."),
            OpenApiParameter(
                "licence", str, description="SPDX identifier.", enum=[spdx for spdx, _ in LICENCE_CHOICES]
            ),
            OpenApiParameter("difficulty", str, enum=Difficulty.values),
            OpenApiParameter("lab", str, description="Lab slug."),
            OpenApiParameter("sort", str, enum=[Sort.RELEVANCE, Sort.NEWEST, Sort.MOST_REMIXED]),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def perform_create(self, serializer):
        project = services.project_create(owner=self.request.user, **serializer.validated_data)
        serializer.instance = project_for_editor(project.slug)

    def update(self, request, *args, **kwargs):
        if not kwargs.get("partial"):
            return self.http_method_not_allowed(request, *args, **kwargs)
        return super().update(request, *args, **kwargs)

    def perform_update(self, serializer):
        project = services.project_update(
            project=serializer.instance, by=self.request.user, **serializer.validated_data
        )
        serializer.instance = project_for_editor(project.slug)

    def _after(self, project, status_code=status.HTTP_200_OK):
        project = project_for_editor(project.slug)
        return Response(
            ProjectDetailSerializer(project, context=self.get_serializer_context()).data, status=status_code
        )

    @extend_schema(request=None, responses=ProjectDetailSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, slug=None):
        """Authors: make the project public (it needs a summary, a licence and one step)."""
        return self._after(services.project_publish(project=self.get_object(), by=request.user))

    @extend_schema(request=None, responses=ProjectDetailSerializer)
    @action(detail=True, methods=["post"])
    def unpublish(self, request, slug=None):
        """Authors: back to draft."""
        return self._after(services.project_unpublish(project=self.get_object(), by=request.user))

    @extend_schema(request=None, responses={201: ProjectDetailSerializer})
    @action(detail=True, methods=["post"])
    def remix(self, request, slug=None):
        """Members: a new draft of their own, copied from this published project and linked to it."""
        remix = services.project_remix(project=self.get_object(), by=request.user)
        return self._after(remix, status.HTTP_201_CREATED)

    @extend_schema(request=StepSerializer, responses={201: ProjectDetailSerializer})
    @action(detail=True, methods=["post"])
    def steps(self, request, slug=None):
        """Authors: add a step after the last one."""
        project = self.get_object()
        data = StepSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.step_add(project=project, by=request.user, **data.validated_data)
        return self._after(project, status.HTTP_201_CREATED)

    @extend_schema(request=MaterialSerializer, responses={201: ProjectDetailSerializer})
    @action(detail=True, methods=["post"])
    def materials(self, request, slug=None):
        """Authors: add a line to the bill of materials."""
        project = self.get_object()
        data = MaterialSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.material_add(project=project, by=request.user, **data.validated_data)
        return self._after(project, status.HTTP_201_CREATED)

    @extend_schema(request={"multipart/form-data": FileUploadSerializer}, responses={201: ProjectFileSerializer})
    @action(detail=True, methods=["post"])
    def files(self, request, slug=None):
        """Authors: upload a file (multipart field `file`), checked like the editor's uploads."""
        project = self.get_object()
        payload = request.data  # parsed here: fablab/core/uploads.py may stop an oversized body
        if upload_too_large(request._request):
            raise attachments.too_large_error()
        data = FileUploadSerializer(data=payload)
        data.is_valid(raise_exception=True)
        project_file = attachments.project_file_add(
            project=project, by=request.user, upload=data.validated_data["file"]
        )
        return Response(
            ProjectFileSerializer(project_file, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request={"multipart/form-data": StepImageUploadSerializer}, responses={201: StepImageSerializer})
    @action(detail=True, methods=["post"], url_path=r"steps/(?P<step_pk>[0-9]+)/images")
    def step_images(self, request, slug=None, step_pk=None):
        """Authors: add a picture to a step (multipart fields `image` and `alt`); EXIF and GPS removed."""
        project = self.get_object()
        step = next((step for step in project.steps.all() if step.pk == int(step_pk)), None)
        if step is None:
            raise Http404
        payload = request.data
        if upload_too_large(request._request):
            raise attachments.too_large_error()
        data = StepImageUploadSerializer(data=payload)
        data.is_valid(raise_exception=True)
        image = attachments.step_image_add(
            step=step, by=request.user, upload=data.validated_data["image"], alt=data.validated_data.get("alt", "")
        )
        return Response(StepImageSerializer(image, context=self.get_serializer_context()).data, status=201)
