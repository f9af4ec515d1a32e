from django.contrib import admin

from jamsostek.core.admin import ScopedAdmin

from .models import Region, VillageSeat


class VillageSeatInline(admin.TabularInline):
    model = VillageSeat
    fields = ["category", "count", "updated_by", "updated_at"]
    readonly_fields = ["updated_by", "updated_at"]
    extra = 0

    def has_add_permission(self, request, obj=None):
        return (
            request.user.role in ("admin", "pmd_auditor")
            and obj is not None
            and obj.level == "village"
        )

    def has_change_permission(self, request, obj=None):
        return request.user.role in ("admin", "pmd_auditor")

    def has_delete_permission(self, request, obj=None):
        return request.user.role in ("admin", "pmd_auditor")

    def has_view_permission(self, request, obj=None):
        return True


@admin.register(Region)
class RegionAdmin(ScopedAdmin):
    list_display = ["code", "name", "level", "rentan_target", "is_active"]
    list_filter = ["level", "is_active"]
    search_fields = ["code", "name"]
    search_help_text = "Name, or the start of a code (33.26)"
    readonly_fields = [
        "code",
        "name",
        "level",
        "parent",
        "province",
        "regency",
        "district",
        "is_active",
        "updated_at",
    ]
    fields = [*readonly_fields[:-1], "rentan_target", "employed_population", "updated_at"]
    change_roles = frozenset({"admin", "pmd_auditor"})
    inlines = [VillageSeatInline]

    def get_search_results(self, request, queryset, search_term):
        if search_term[:1].isdigit():
            return queryset.filter(code__startswith=search_term.strip()), False
        return super().get_search_results(request, queryset, search_term)

    def save_formset(self, request, form, formset, change):
        for seat in formset.save(commit=False):
            seat.updated_by = request.user
            seat.save()
        for seat in formset.deleted_objects:
            seat.delete()
