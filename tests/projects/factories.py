import factory
from django.utils import timezone

from projects.models import Difficulty, Material, Project, ProjectFile, ProjectStatus, Step, StepImage, Tag
from projects.services import _reindex
from tests.factories import LabFactory, UserFactory


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"tag {n}")
    slug = factory.LazyAttribute(lambda tag: tag.name.replace(" ", "-").lower())


class ProjectFactory(factory.django.DjangoModelFactory):
    """A published project with a summary and a licence; steps through `StepFactory` or `steps=`."""

    class Meta:
        model = Project
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Project {n}")
    slug = factory.Sequence(lambda n: f"project-{n}")
    summary = "A thing made at the lab."
    lab = factory.SubFactory(LabFactory)
    owner = factory.SubFactory(UserFactory)
    difficulty = Difficulty.BEGINNER
    licence = "CC-BY-SA-4.0"
    status = ProjectStatus.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def tags(project, create, extracted, **kwargs):
        if create and extracted:
            project.tags.set(extracted)

    @factory.post_generation
    def machines(project, create, extracted, **kwargs):
        if create and extracted:
            project.machines.set(extracted)

    @factory.post_generation
    def steps(project, create, extracted, **kwargs):
        """`steps=["First", "Second"]` adds steps with those titles (bodies say "Do <title>.")."""
        if create and extracted:
            for position, title in enumerate(extracted, start=1):
                Step.objects.create(project=project, position=position, title=title, body=f"Do {title}.")

    @factory.post_generation
    def indexed(project, create, extracted, **kwargs):
        """Search columns filled as the services would, unless `indexed=False`."""
        if create and extracted is not False:
            _reindex(project)


class DraftFactory(ProjectFactory):
    status = ProjectStatus.DRAFT
    published_at = None


class StepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Step

    project = factory.SubFactory(ProjectFactory)
    position = factory.LazyAttribute(lambda step: step.project.steps.count() + 1)
    title = factory.Sequence(lambda n: f"Step {n}")
    body = "Cut along the line."


class MaterialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Material

    project = factory.SubFactory(ProjectFactory)
    position = factory.LazyAttribute(lambda material: material.project.materials.count() + 1)
    item = factory.Sequence(lambda n: f"Item {n}")
    quantity = 1


class ProjectFileFactory(factory.django.DjangoModelFactory):
    """A file row pointing at a stored name (nothing written): for pages and query counts."""

    class Meta:
        model = ProjectFile

    project = factory.SubFactory(ProjectFactory)
    position = factory.LazyAttribute(lambda file: file.project.files.count() + 1)
    name = factory.Sequence(lambda n: f"part-{n}.stl")
    stored = factory.Sequence(lambda n: f"projects/files/{n:032x}")
    kind = "stl"
    size_bytes = 1234
    sha256 = "0" * 64


class StepImageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StepImage

    step = factory.SubFactory(StepFactory)
    position = factory.LazyAttribute(lambda image: image.step.images.count() + 1)
    image = factory.Sequence(lambda n: f"projects/steps/picture-{n}.webp")
    width = 1600
    height = 1200
    thumbnail = factory.Sequence(lambda n: f"projects/steps/thumbnails/picture-{n}.webp")
    thumbnail_width = 400
    thumbnail_height = 300
    alt = "The parts laid out"
