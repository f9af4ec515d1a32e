from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from jamsostek.core.admin import PermittedAdmin, ScopedAdmin
from jamsostek.core.choices import Level

from . import rules
from .models import Region, VillageSeat
from .permissions import VILLAGES
from .services import village_update


class VillageSeatFormSet(BaseInlineFormSet):
    """Seat counts checked by the same rules as the API's (a kelurahan has no BPD…)."""

    def clean(self):
        super().clean()
        village = self.instance
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("DELETE") or not data.get("count"):
                continue
            if not rules.has_category(village.level, village.code, data["category"]):
                raise ValidationError(
                    rules.not_in_kelurahan_message(data["category"]), code=rules.NOT_IN_KELURAHAN
                )

    def position_counts(self) -> dict[str, int | None]:
        """The edit as ``village_update`` takes it: changed counts, ``None`` for removed."""
        counts: dict[str, int | None] = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not data:
                continue
            moved = form.instance.pk and "category" in form.changed_data
            if data.get("DELETE") or moved:
                counts[form.initial["category"]] = None
            if not data.get("DELETE") and form.has_changed():
                counts[data["category"]] = data["count"]
        return counts


class VillageSeatInline(PermittedAdmin, admin.TabularInline):
    """A village's seats, set by whoever sets them on the API (village.partial_update)."""

    model = VillageSeat
    formset = VillageSeatFormSet
    fields = ["category", "count", "updated_by", "updated_at"]
    readonly_fields = ["updated_by", "updated_at"]
    extra = 0
    permits = {
        "view": VILLAGES["admin.region.view"],
        "add": VILLAGES["village.partial_update"],
        "change": VILLAGES["village.partial_update"],
        "delete": VILLAGES["village.partial_update"],
    }

    def has_add_permission(self, request, obj=None):
        # Only a village has seats.
        return (
            super().has_add_permission(request, obj)
            and obj is not None
            and obj.level == Level.VILLAGE
        )


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
    permits = {
        "view": VILLAGES["admin.region.view"],
        "add": VILLAGES["admin.region.add"],
        # A region's target (and, below, a village's seats): as on the API.
        "change": VILLAGES["village.partial_update"],
    }
    inlines = [VillageSeatInline]

    def get_search_results(self, request, queryset, search_term):
        if search_term[:1].isdigit():
            return queryset.filter(code__startswith=search_term.strip()), False
        return super().get_search_results(request, queryset, search_term)

    def save_model(self, request, obj, form, change):
        if obj.level == Level.VILLAGE:
            # Through the service: the village's progress is refreshed with the new target.
            village_update(village=obj, updated_by=request.user, rentan_target=obj.rentan_target)
        else:
            super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        if isinstance(formset, VillageSeatFormSet):
            formset.save(commit=False)  # nothing written: the admin's change message reads it
            counts = formset.position_counts()
            if counts:
                village_update(
                    village=formset.instance, updated_by=request.user, position_counts=counts
                )
            return
        super().save_formset(request, form, formset, change)
