"""Admin building blocks shared by the county's template catalogs (duties, processes)."""

from django import forms
from django.contrib import admin

from tenants.models import Tenant, TenantKind


def counties():
    return Tenant.objects.filter(kind=TenantKind.COUNTY).exclude(schema_name="public")


def adopt(obj, saved) -> None:
    """Let the admin go on (messages, redirect) with the row the service saved."""
    obj.__dict__.update({k: v for k, v in saved.__dict__.items() if k != "_state"})
    obj._state.adding = False


def publish_form(version_model) -> type[forms.ModelForm]:
    """The add form of a template version: which county, and a note."""

    class PublishForm(forms.ModelForm):
        class Meta:
            model = version_model
            fields = ("county", "note")

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["county"].queryset = counties()

    return PublishForm


class PublishedVersionAdmin(admin.ModelAdmin):
    """Versions are read-only; adding one publishes the county's current templates (through
    the catalog's service, so it is audited and pushed to every tenant)."""

    list_display = ("county", "number", "note", "published_by", "published_at")
    list_filter = ("county",)
    # Each catalog's admin sets `publish = staticmethod(<its publish service>)`.

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = publish_form(self.model)
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
        adopt(obj, self.publish(actor=request.user, county=obj.county, note=obj.note))
