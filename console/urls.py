from django.urls import path

from .views import auth, home, imports, members, money, regency

app_name = "console"

urlpatterns = [
    path("", home.home, name="home"),
    path("login/", auth.login, name="login"),
    path("logout/", auth.logout, name="logout"),
    path("language/", auth.language, name="language"),
    path("villages/<str:code>/", home.village, name="village"),
    path("villages/<str:code>/settings/", regency.village_settings, name="village-settings"),
    path("budgets/", regency.budget_list, name="budgets"),
    path("users/", regency.user_list, name="users"),
    path("claims/", regency.claim_list, name="claims"),
    path("dashboard/", home.dashboard, name="dashboard"),
    path("members/", members.member_list, name="members"),
    path("members/new/", members.member_new, name="member-new"),
    path("members/<int:pk>/", members.member_detail, name="member"),
    path("members/<int:pk>/edit/", members.member_edit, name="member-edit"),
    path("members/<int:pk>/submit/", members.member_submit, name="member-submit"),
    path("members/<int:pk>/activate/", members.member_activate, name="member-activate"),
    path("members/<int:pk>/end/", members.member_end, name="member-end"),
    path("activations/", members.activations, name="activations"),
    path("members/import/", imports.import_start, name="import"),
    path("members/import/confirm/", imports.import_confirm, name="import-confirm"),
    path("members/import/jobs/<int:pk>/", imports.import_job, name="import-job"),
    path("bills/", money.bill_list, name="bills"),
    path("bills/<int:pk>/", money.bill_detail, name="bill"),
    path("bills/<int:pk>/pay/", money.bill_pay, name="bill-pay"),
    path("audit/", money.audit_queue, name="audit"),
    path("payments/<int:pk>/evidence/", money.payment_evidence, name="payment-evidence"),
    path("payments/<int:pk>/verify/", money.payment_verify, name="payment-verify"),
    path("payments/<int:pk>/reject/", money.payment_reject, name="payment-reject"),
    path("payments/<int:pk>/reverse/", money.payment_reverse_view, name="payment-reverse"),
]
