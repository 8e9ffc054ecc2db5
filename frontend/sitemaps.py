"""/sitemap.xml: the public pages search engines should know, from every app."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from fablab.labs.models import Lab
from machines.selectors import machines_for_public
from projects.models import Project, ProjectStatus


class StaticPagesSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return ["frontend:home", "machines:list", "training:list", "workshops:list", "projects:list"]

    def location(self, item):
        return reverse(item)


class LabSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return Lab.objects.filter(is_active=True).order_by("slug")

    def location(self, lab):
        return reverse("frontend:lab", args=[lab.slug])


class MachineSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return machines_for_public().order_by("pk")

    def location(self, machine):
        return reverse("machines:detail", args=[machine.pk])


class ProjectSitemap(Sitemap):
    changefreq = "monthly"
    limit = 10_000  # the sitemap protocol allows 50,000; smaller pages keep each response quick

    def items(self):
        return Project.objects.filter(status=ProjectStatus.PUBLISHED).only("slug", "updated_at").order_by("pk")

    def lastmod(self, project):
        return project.updated_at


SITEMAPS = {
    "pages": StaticPagesSitemap,
    "labs": LabSitemap,
    "machines": MachineSitemap,
    "projects": ProjectSitemap,
}
