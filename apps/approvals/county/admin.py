"""The counties' process templates in the operator's admin (public host).

Writes go through the same services as the county API (validation and audit alike): a
template's steps are edited inline and saved as one replacement; publishing is "add a
version" with a note."""

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import construct_change_message

from apps.approvals.county import services
from apps.approvals.county.models import CountyProcess, CountyProcessStep, ProcessTemplateVersion
from county_platform.admin_templates import PublishedVersionAdmin, adopt, counties
from county_platform.errors import DomainError


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
            self.fields["county"].queryset = counties()


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
            adopt(obj, services.county_process_update(actor=request.user, process=current,
                                                       name=obj.name))

    def save_formset(self, request, form, formset, change):
        if formset.has_changed():
            services.county_process_update(actor=request.user, process=form.instance,
                                           steps=formset.steps())


@admin.register(ProcessTemplateVersion)
class ProcessTemplateVersionAdmin(PublishedVersionAdmin):
    """Adding a version publishes the county's current templates and pushes them."""

    publish = staticmethod(services.process_template_publish)


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
