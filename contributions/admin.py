from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Rate


class RateForm(admin.options.forms.ModelForm):
    class Meta:
        model = Rate
        fields = "__all__"

    def clean(self):
        data = super().clean()
        if not data.get("effective_from"):
            return data
        overlapping = Rate.objects.filter(
            program=data.get("program"),
            segment=data.get("segment"),
            risk_class=data.get("risk_class"),
        ).exclude(pk=self.instance.pk)
        # Two periods overlap when each starts before the other ends.
        start, end = data["effective_from"], data.get("effective_to")
        overlapping = overlapping.filter(Q(effective_to__isnull=True) | Q(effective_to__gte=start))
        if end:
            overlapping = overlapping.filter(effective_from__lte=end)
        if overlapping.exists():
            raise ValidationError(
                _(
                    "Another rate of this program and segment is in force in "
                    "that period: end it first."
                )
            )
        return data


@admin.register(Rate)
class RateAdmin(admin.ModelAdmin):
    """The rate schedule: admins correct figures here, dated, without a release."""

    form = RateForm
    list_display = [
        "segment",
        "program",
        "risk_class",
        "basis",
        "employer_value",
        "worker_value",
        "base_min",
        "base_max",
        "effective_from",
        "effective_to",
    ]
    list_filter = ["segment", "program"]

    def has_module_permission(self, request):
        return request.user.is_active and getattr(request.user, "role", None) in (
            "admin",
            "pmd_auditor",
        )

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def _admin(self, request):
        return request.user.is_active and getattr(request.user, "role", None) == "admin"

    def has_add_permission(self, request):
        return self._admin(request)

    def has_change_permission(self, request, obj=None):
        return self._admin(request)

    def has_delete_permission(self, request, obj=None):
        return False
