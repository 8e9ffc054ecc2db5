"""Atom feeds of newly published projects: all of them, one lab's, one tag's."""

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext as _

from fablab.labs.models import Lab
from projects.models import Tag
from projects.selectors import ProjectFilters, project_search

FEED_LENGTH = 30


class ProjectsFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, lab=None, tag=None):
        """None for every project, else the Lab or Tag the feed is about (unknown: 404)."""
        try:
            if lab is not None:
                return Lab.objects.get(slug=lab)
            if tag is not None:
                return Tag.objects.get(slug=tag)
        except (Lab.DoesNotExist, Tag.DoesNotExist):
            raise Http404 from None
        return None

    def title(self, obj):
        if isinstance(obj, Lab):
            return _("Projects of %(lab)s") % {"lab": obj.name}
        if isinstance(obj, Tag):
            return _("Projects tagged “%(tag)s”") % {"tag": obj.name}
        return _("Latest projects")

    def subtitle(self, obj):
        return _("Projects documented in our Fab Labs, newest first.")

    def link(self, obj):
        if isinstance(obj, Lab):
            return reverse("projects:list") + f"?lab={obj.slug}"
        if isinstance(obj, Tag):
            return reverse("projects:list") + f"?tag={obj.slug}"
        return reverse("projects:list")

    def items(self, obj):
        filters = ProjectFilters(lab=obj if isinstance(obj, Lab) else None, tag=obj if isinstance(obj, Tag) else None)
        return project_search("", filters)[:FEED_LENGTH]

    def item_title(self, project):
        return project.title

    def item_description(self, project):
        # Atom readers take the summary as HTML: what the member typed must stay text.
        return escape(project.summary)

    def item_author_name(self, project):
        return project.owner.full_name or _("A member")

    def item_pubdate(self, project):
        return project.published_at

    def item_updateddate(self, project):
        return project.updated_at

    def item_categories(self, project):
        return [tag.name for tag in project.tags.all()]
