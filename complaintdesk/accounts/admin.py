from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from complaintdesk.accounts.models import ApiToken, AuditEntry, QueueMembership, User


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
