"""The counties' process templates in the operator's admin (public host).

Writes go through the same services as the county API (validation and audit alike): a
template's steps are edited inline and saved as one replacement; publishing is "add a
version" with a note."""

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import construct_change_message

from apps.approvals.county import services
from apps.approvals.county.models import CountyProcess, CountyProcessStep, ProcessTemplateVersion
from county_platform.errors import DomainError
from tenants.models import Tenant, TenantKind


def _counties():
    return Tenant.objects.filter(kind=TenantKind.COUNTY).exclude(schema_name="public")


def _adopt(obj, saved) -> None:
    obj.__dict__.update({k: v for k, v in saved.__dict__.items() if k != "_state"})
    obj._state.adding = False


class StepInline(admin.TabularInline):
    model = CountyProcessStep
    extra = 0
    fields = ("order", "code", "name", "post_code", "same_department", "mode", "condition",
              "sla_hours", "required")


class StepFormSet(forms.BaseInlineFormSet):
    def steps(self) -> list[dict]:
        kept = [form.cleaned_data for form in self.forms
                if form.cleaned_data and not form.cleaned_data.get("DELETE")]
        return [{name: data[name] for name in services.STEP_FIELDS}
                for data in sorted(kept, key=lambda data: data["order"])]

    def clean(self):
        super().clean()
        county = getattr(self.instance, "county", None)
        if county is None or any(self.errors):
            return
        try:
            services.county_steps_validate(county=county, steps=self.steps())
        except DomainError as error:
            raise forms.ValidationError(error.detail, code=error.code) from error


StepInline.formset = StepFormSet


class ProcessForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "county" in self.fields:
            self.fields["county"].queryset = _counties()


@admin.register(CountyProcess)
class CountyProcessAdmin(admin.ModelAdmin):
    form = ProcessForm
    inlines = (StepInline,)
    list_display = ("county", "document_type", "name")
    list_filter = ("county",)
    search_fields = ("document_type", "name")

    def get_readonly_fields(self, request, obj=None):
        return ("county", "document_type") if obj else ()

    def has_add_permission(self, request):
        # A new template needs its steps in the same write: the county API creates them.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def construct_change_message(self, request, form, formsets, add=False):
        # The steps are saved by the service as one replacement, not row by row.
        return construct_change_message(form, [], add)

    def save_model(self, request, obj, form, change):
        if "name" in form.changed_data:
            current = CountyProcess.objects.get(pk=obj.pk)
            _adopt(obj, services.county_process_update(actor=request.user, process=current,
                                                       name=obj.name))

    def save_formset(self, request, form, formset, change):
        if formset.has_changed():
            services.county_process_update(actor=request.user, process=form.instance,
                                           steps=formset.steps())


class PublishForm(forms.ModelForm):
    class Meta:
        model = ProcessTemplateVersion
        fields = ("county", "note")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = _counties()


@admin.register(ProcessTemplateVersion)
class ProcessTemplateVersionAdmin(admin.ModelAdmin):
    """Adding a version publishes the county's current templates and pushes them."""

    list_display = ("county", "number", "note", "published_by", "published_at")
    list_filter = ("county",)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = PublishForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("county", "note")
        return ("county", "number", "note", "published_by", "published_at", "snapshot")

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj) if obj else ()

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved = services.process_template_publish(actor=request.user, county=obj.county,
                                                  note=obj.note)
        _adopt(obj, saved)


@admin.register(CountyProcessStep)
class CountyProcessStepAdmin(admin.ModelAdmin):
    """Read-only list across templates; steps are edited inline on their template."""

    list_display = ("process", "order", "code", "name", "post_code", "mode", "required")
    list_filter = ("process__county", "process__document_type", "required")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
