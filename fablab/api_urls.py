"""/api/v1/: every app's endpoints on one router, plus auth, schema and docs."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from bookings.api import BlockViewSet, BookingViewSet, WaitlistViewSet
from fablab.accounts.api import MeView, TokenView
from fablab.billing.api import CreditPackViewSet, InvoiceViewSet, OrderViewSet
from fablab.credits.api import AdjustmentView, BalanceView, ContributionViewSet, LedgerEntryViewSet
from fablab.labs.api import LabViewSet
from fablab.notifications.api import NotificationPreferencesView
from machines.api import MachineViewSet
from projects.api import ProjectViewSet
from training.api import (
    CourseViewSet,
    EnrollmentViewSet,
    SchoolRegistrationView,
    SessionViewSet,
    WorkshopOfferViewSet,
)

router = DefaultRouter()
router.register("labs", LabViewSet, basename="lab")
router.register("machines", MachineViewSet, basename="machine")
router.register("bookings", BookingViewSet, basename="booking")
router.register("blocks", BlockViewSet, basename="block")
router.register("waitlist", WaitlistViewSet, basename="waitlist")
router.register("invoices", InvoiceViewSet, basename="invoice")
router.register("credit-packs", CreditPackViewSet, basename="credit-pack")
router.register("orders", OrderViewSet, basename="order")
router.register("projects", ProjectViewSet, basename="project")
router.register("trainings/courses", CourseViewSet, basename="course")
router.register("trainings/sessions", SessionViewSet, basename="session")
router.register("trainings/enrollments", EnrollmentViewSet, basename="enrollment")
router.register("workshops/offers", WorkshopOfferViewSet, basename="workshop-offer")
router.register("credits/entries", LedgerEntryViewSet, basename="credit-entry")
router.register("credits/contributions", ContributionViewSet, basename="credit-contribution")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("me/", MeView.as_view(), name="api-me"),
    path("me/notifications/", NotificationPreferencesView.as_view(), name="api-notification-preferences"),
    path("credits/balance/", BalanceView.as_view(), name="api-credit-balance"),
    path("credits/adjustments/", AdjustmentView.as_view(), name="api-credit-adjustment"),
    path("workshops/registrations/", SchoolRegistrationView.as_view(), name="api-school-registration"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include(router.urls)),
]
