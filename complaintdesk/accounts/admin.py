from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from complaintdesk.accounts.models import ApiToken, AuditEntry, QueueMembership, ReadAccess, User


class MembershipInline(admin.TabularInline):
    model = QueueMembership
    extra = 1


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "email", "role", "is_active", "last_login")
    list_filter = ("role", "is_active")
    fieldsets = BaseUserAdmin.fieldsets + (("complaintdesk", {"fields": ("role",)}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + (("complaintdesk", {"fields": ("role",)}),)
    inlines = [MembershipInline]

    def has_delete_permission(self, request, obj=None):
        # Deactivate instead: cases and timelines keep the name either way.
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "key_hash", "created_at", "last_used_at")


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_label", "action")
    list_filter = ("action",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReadAccess)
class ReadAccessAdmin(admin.ModelAdmin):
    """Who viewed whose personal data: administrators read it, nobody edits it."""

    list_display = ("at", "user_label", "channel", "kind", "object_ref", "customer_id", "what", "ip")
    list_filter = ("channel", "kind", "what")
    search_fields = ("user_label", "object_ref", "=customer_id", "=ip")
    date_hierarchy = "at"
    show_full_result_count = False  # no COUNT(*) over a table that grows with every view

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_org_admin

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
