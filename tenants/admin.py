"""The platform operator's Django admin on the bare BASE_DOMAIN."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from tenants.models import AuditHeadPublication, Domain, Tenant, User


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "kind", "parent", "region_code", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("slug", "name", "region_code")
    readonly_fields = ("schema_name",)
    inlines = [DomainInline]

    def has_add_permission(self, request):
        # Tenants are created by the provisioning service (commands and county API) only.
        return False


@admin.register(User)
class NeikongUserAdmin(UserAdmin):
    fieldsets = (
        *UserAdmin.fieldsets,
        ("内控", {"fields": ("display_name", "mobile", "dingtalk_user_id")}),
    )
    list_display = ("username", "display_name", "mobile", "is_staff", "is_active")
    search_fields = ("username", "display_name", "mobile")

    def has_delete_permission(self, request, obj=None):
        # Users are deactivated, never deleted: documents in every tenant refer to them.
        return False


@admin.register(AuditHeadPublication)
class AuditHeadPublicationAdmin(admin.ModelAdmin):
    list_display = ("tenant", "count", "head_hash", "published_at")
    list_filter = ("tenant",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
