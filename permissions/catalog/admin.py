"""The counties' duty templates in the operator's admin (public host).

Every write goes through the same service functions as the county API, so the admin
validates alike (forms call the services' validators) and every change is audited in the
county's chain. Publishing is "add a template version" with a note.
"""

from django import forms
from django.contrib import admin

from county_platform.admin_templates import PublishedVersionAdmin, adopt, counties
from county_platform.errors import DomainError
from permissions.catalog import services
from permissions.catalog.models import (
    CountyParameter,
    CountyPost,
    CountyRoleStep,
    CountySodRule,
    TemplateVersion,
)
from tenants.models import Tenant


def _validated(check, **kwargs) -> None:
    """Run a service validator; its refusal becomes a form error in Chinese."""
    try:
        check(**kwargs)
    except DomainError as error:
        raise forms.ValidationError(error.detail, code=error.code) from error


def _changes(form, names) -> dict:
    return {name: form.cleaned_data[name] for name in form.changed_data if name in names}


class CountyForm(forms.ModelForm):
    """The county of a new row is chosen from the real counties only."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "county" in self.fields:
            self.fields["county"].queryset = counties()

    def county(self) -> Tenant | None:
        return self.cleaned_data.get("county") or getattr(self.instance, "county", None)


class CountyPostForm(CountyForm):
    def clean(self):
        data = super().clean()
        if self.county() is not None:
            _validated(
                services.county_post_validate, county=self.county(),
                code=None if self.instance.pk else data.get("code"),
                is_key=data.get("is_key", False),
                max_tenure_months=data.get("max_tenure_months"),
            )
        return data


class CountyStepForm(CountyForm):
    def clean(self):
        data = super().clean()
        if self.county() is not None and not self.errors:
            _validated(
                services.county_step_validate, county=self.county(),
                activity=data["activity"], step=data["step"], post_code=data["post_code"],
                exclude_pk=self.instance.pk,
            )
        return data


class CountySodForm(CountyForm):
    def clean(self):
        data = super().clean()
        if self.county() is not None and not self.errors:
            _validated(
                services.county_sod_validate, county=self.county(), code=data["code"],
                post_a=data["post_a"], post_b=data["post_b"], scope=data["scope"],
            )
        return data


class CountyParameterForm(forms.ModelForm):
    def clean_value(self):
        value = self.cleaned_data["value"]
        _validated(services.county_parameter_validate, parameter=self.instance, value=value)
        return value


@admin.register(CountyPost)
class CountyPostAdmin(admin.ModelAdmin):
    form = CountyPostForm
    list_display = ("county", "code", "name", "is_key", "max_tenure_months", "holds_money")
    list_filter = ("county", "is_key")
    search_fields = ("code", "name")

    def get_readonly_fields(self, request, obj=None):
        return ("county", "code") if obj else ()

    def has_delete_permission(self, request, obj=None):
        # Tenants' assignments refer to posts; a county retires a post by leaving it unused.
        return False

    def save_model(self, request, obj, form, change):
        if change:
            current = CountyPost.objects.get(pk=obj.pk)
            saved = services.county_post_update(
                actor=request.user, post=current, **_changes(form, services.POST_FIELDS)
            )
        else:
            saved = services.county_post_create(
                actor=request.user, county=obj.county, code=obj.code, name=obj.name,
                is_key=obj.is_key, max_tenure_months=obj.max_tenure_months,
                holds_money=obj.holds_money,
            )
        adopt(obj, saved)


@admin.register(CountyRoleStep)
class CountyRoleStepAdmin(admin.ModelAdmin):
    form = CountyStepForm
    list_display = ("county", "activity", "order", "step", "step_name", "post_code")
    list_filter = ("county", "activity")
    search_fields = ("activity", "step", "step_name", "post_code")

    def get_readonly_fields(self, request, obj=None):
        return ("county",) if obj else ()

    def save_model(self, request, obj, form, change):
        if change:
            current = CountyRoleStep.objects.get(pk=obj.pk)
            saved = services.county_step_update(
                actor=request.user, row=current, **_changes(form, services.STEP_FIELDS)
            )
        else:
            saved = services.county_step_create(
                actor=request.user, county=obj.county, activity=obj.activity, step=obj.step,
                step_name=obj.step_name, post_code=obj.post_code, order=obj.order,
            )
        adopt(obj, saved)

    def delete_model(self, request, obj):
        services.county_step_delete(actor=request.user, row=obj)

    def delete_queryset(self, request, queryset):
        for row in queryset:
            services.county_step_delete(actor=request.user, row=row)


@admin.register(CountySodRule)
class CountySodRuleAdmin(admin.ModelAdmin):
    """Pairs are added and removed, not edited: a changed pair is a different rule."""

    form = CountySodForm
    list_display = ("county", "code", "post_a", "post_b", "scope", "article")
    list_filter = ("county", "scope")
    search_fields = ("code", "post_a", "post_b", "article")

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved = services.county_sod_create(
            actor=request.user, county=obj.county, code=obj.code, post_a=obj.post_a,
            post_b=obj.post_b, scope=obj.scope, article=obj.article,
        )
        adopt(obj, saved)

    def delete_model(self, request, obj):
        services.county_sod_delete(actor=request.user, rule=obj)

    def delete_queryset(self, request, queryset):
        for rule in queryset:
            services.county_sod_delete(actor=request.user, rule=rule)


@admin.register(CountyParameter)
class CountyParameterAdmin(admin.ModelAdmin):
    """The parameters are those the code reads: their values change, the set does not."""

    form = CountyParameterForm
    list_display = ("county", "code", "name", "value", "minimum", "maximum")
    list_filter = ("county",)
    fields = ("county", "code", "name", "value", "minimum", "maximum")
    readonly_fields = ("county", "code", "name", "minimum", "maximum")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        current = CountyParameter.objects.get(pk=obj.pk)
        saved = services.county_parameter_set(
            actor=request.user, parameter=current, value=form.cleaned_data["value"]
        )
        adopt(obj, saved)


@admin.register(TemplateVersion)
class TemplateVersionAdmin(PublishedVersionAdmin):
    """Adding a version publishes the county's current template and pushes it to tenants."""

    publish = staticmethod(services.template_publish)

