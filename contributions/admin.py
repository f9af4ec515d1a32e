"""The money rules in the Django admin: admins add and close rate and relief rows (through
the same services as the API, so each change keeps who, when and on what authority) and
keep the occupation → sector mapping; pmd_auditors may look."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from jamsostek.core.admin import PermittedAdmin
from jamsostek.core.errors import ApplicationError

from .models import OccupationSector, Rate, Relief, RuleChange
from .permissions import CONTRIBUTIONS
from .services.schedule import rate_close, rate_create, relief_close, relief_create


class RuleForm(forms.ModelForm):
    change_source = forms.CharField(
        label=_("authority for closing"),
        required=False,
        max_length=300,
        help_text=_("When closing a row: the regulation or letter that ends it."),
    )


class RulesAdmin(PermittedAdmin, admin.ModelAdmin):
    """The money rules: pmd_auditors look, admins keep them (rows: contributions/
    permissions.py); none is deleted."""


class RuleAdmin(RulesAdmin):
    """Rows are added whole and closed, never edited: the months billed stay explainable."""

    form = RuleForm
    figures: list[str] = []
    create_service = None
    close_service = None

    def get_readonly_fields(self, request, obj=None):
        return self.figures if obj is not None else []

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        admin_self = self

        class Checked(form):
            def clean(self):
                data = super().clean()
                if self.errors:  # a field could not be read: nothing to save yet
                    return data
                if self.instance.pk and "effective_to" in self.changed_data:
                    if not data.get("change_source"):
                        raise ValidationError(
                            {"change_source": _("Say on what authority the row closes.")}
                        )
                    if not data.get("effective_to"):
                        raise ValidationError(
                            {"effective_to": _("A row closes on a month's last day.")}
                        )
                try:
                    admin_self._save(request.user, self.instance, data, self.changed_data)
                except ApplicationError as exc:
                    raise ValidationError({exc.attr or None: exc.message}) from exc
                return data

        return Checked

    def _save(self, actor, row, data, changed):
        """The write, through the services, done from the form's ``clean()`` so that a
        refusal (an overlap, a bad month) shows on the form. The admin's view runs in one
        transaction, so a later failure takes it back; ``save_model`` writes nothing more."""
        if row.pk is None:
            fields = {k: v for k, v in data.items() if k != "change_source"}
            saved = type(self).create_service(actor=actor, **fields)
            row.pk = saved.pk
        elif "effective_to" in changed:
            type(self).close_service(
                actor=actor,
                **{self.model._meta.model_name: row},
                effective_to=data["effective_to"],
                source=data["change_source"],
            )

    def save_model(self, request, obj, form, change):
        obj.refresh_from_db()


class RuleChangeInline(admin.TabularInline):
    model = RuleChange
    extra = 0
    fields = ["at", "action", "actor", "source", "changes"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Rate)
class RateAdmin(RuleAdmin):
    figures = Rate.FIGURES
    create_service = staticmethod(rate_create)
    close_service = staticmethod(rate_close)
    permits = {
        "view": CONTRIBUTIONS["admin.rules.view"],
        "add": CONTRIBUTIONS["rate.create"],
        "change": CONTRIBUTIONS["rate.close"],  # a row's only change is its closing
    }
    inlines = [RuleChangeInline]
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


@admin.register(Relief)
class ReliefAdmin(RuleAdmin):
    figures = Relief.FIGURES
    create_service = staticmethod(relief_create)
    close_service = staticmethod(relief_close)
    permits = {
        "view": CONTRIBUTIONS["admin.rules.view"],
        "add": CONTRIBUTIONS["relief.create"],
        "change": CONTRIBUTIONS["relief.close"],  # a row's only change is its closing
    }
    inlines = [RuleChangeInline]
    list_display = ["name", "segment", "percent_off", "effective_from", "effective_to"]
    list_filter = ["segment"]


@admin.register(OccupationSector)
class OccupationSectorAdmin(RulesAdmin):
    """Which sector each occupation is in (reliefs name sectors): data an admin keeps."""

    list_display = ["occupation", "sector", "source", "updated_at"]
    list_editable = ["sector"]
    permits = {
        "view": CONTRIBUTIONS["admin.rules.view"],
        "add": CONTRIBUTIONS["admin.sector.change"],
        "change": CONTRIBUTIONS["admin.sector.change"],
    }
