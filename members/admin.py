from django.contrib import admin

from jamsostek.core.admin import PermittedAdmin, ScopedAdmin

from .models import Enrollment, ImportJob, Member, MemberEvent, MemberRole
from .nik import mask_nik
from .permissions import MEMBERS


class MemberRoleInline(admin.TabularInline):
    model = MemberRole
    extra = 0
    fields = ["category", "position", "term_start", "term_end", "ended_on"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EnrollmentInline(admin.TabularInline):
    model = Enrollment
    extra = 0
    fields = [
        "status",
        "segment",
        "programs",
        "declared_income",
        "wage",
        "risk_class",
        "funding_source",
        "kpj_number",
        "effective_from",
        "ended_on",
        "end_reason",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MemberEventInline(admin.TabularInline):
    model = MemberEvent
    extra = 0
    fields = ["at", "actor", "action", "changes", "reason"]
    readonly_fields = fields
    ordering = ["-at"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Member)
class MemberAdmin(ScopedAdmin):
    """Read-only here: members change through the API, where the rules and history live."""

    list_display = ["full_name", "masked_nik", "village", "is_perisai", "updated_at"]
    list_filter = ["is_perisai", "sex"]
    search_fields = ["full_name", "=nik"]
    list_select_related = ["village"]
    fields = [
        "village",
        "nik",
        "full_name",
        "birth_date",
        "sex",
        "phone",
        "occupation",
        "is_perisai",
        "created_by",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields
    inlines = [MemberRoleInline, EnrollmentInline, MemberEventInline]
    permits = {
        "view": MEMBERS["admin.member.view"],
        "add": MEMBERS["admin.member.add"],
        "change": MEMBERS["admin.member.change"],
    }

    @admin.display(description="NIK")
    def masked_nik(self, member):
        return mask_nik(member.nik)


@admin.register(ImportJob)
class ImportJobAdmin(PermittedAdmin, admin.ModelAdmin):
    """Spreadsheet imports, for support: read-only; users see their own through the API."""

    list_display = [
        "pk",
        "filename",
        "created_by",
        "status",
        "rows_done",
        "rows_total",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status"]
    readonly_fields = [f.name for f in ImportJob._meta.fields]
    permits = {"view": MEMBERS["admin.import-job.view"]}
