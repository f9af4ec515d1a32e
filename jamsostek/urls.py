from django.contrib import admin
from django.urls import include, path
from rest_framework.routers import SimpleRouter

from accounts.api import MeView, TokenObtainView, TokenRefreshView, UserViewSet
from contributions.api import (
    ArrearsViewSet,
    BillViewSet,
    BudgetViewSet,
    ClaimViewSet,
    NotificationViewSet,
    PaymentViewSet,
    RateViewSet,
    ReliefViewSet,
)
from jamsostek.core.health import healthz
from jamsostek.core.schema import ApiRootView
from jamsostek.core.schema_views import DocsView, SchemaView
from members.api import ImportJobViewSet, MemberViewSet
from reports.api import ClaimsReportView, ComplianceView, CoverageView
from reports.progress import village_progress_body, villages_with_progress
from villages import api as villages_api
from villages.api import RegionViewSet


class VillageViewSet(villages_api.VillageViewSet):
    # /villages/ with each village's progress, which reports keeps: villages sits below
    # reports and cannot import it, so the URL conf composes the two here.
    load_progress = staticmethod(villages_with_progress)
    progress_of = staticmethod(village_progress_body)


router = SimpleRouter()
router.register("regions", RegionViewSet, basename="region")
router.register("villages", VillageViewSet, basename="village")
router.register("users", UserViewSet, basename="user")
router.register("members/import-jobs", ImportJobViewSet, basename="import-job")
router.register("members", MemberViewSet, basename="member")
router.register("rates", RateViewSet, basename="rate")
router.register("reliefs", ReliefViewSet, basename="relief")
router.register("bills", BillViewSet, basename="bill")
router.register("payments", PaymentViewSet, basename="payment")
router.register("arrears", ArrearsViewSet, basename="arrears")
router.register("budgets", BudgetViewSet, basename="budget")
router.register("claims", ClaimViewSet, basename="claim")
router.register("notifications", NotificationViewSet, basename="notification")

api_v1 = [
    path("", ApiRootView.as_view(), name="api-root"),
    path("auth/token/", TokenObtainView.as_view(), name="token-obtain"),
    path("auth/token/refresh/", TokenRefreshView.as_view(), name="token-refresh"),
    path("auth/me/", MeView.as_view(), name="me"),
    path("reports/coverage/", CoverageView.as_view(), name="report-coverage"),
    path("reports/compliance/", ComplianceView.as_view(), name="report-compliance"),
    path("reports/claims/", ClaimsReportView.as_view(), name="report-claims"),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(url_name="schema"), name="docs"),
    *router.urls,
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("api-auth/", include("rest_framework.urls")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("", include("console.urls")),
]

handler404 = "jamsostek.core.errors.page_not_found"
handler500 = "jamsostek.core.errors.server_error"
