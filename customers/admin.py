from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from customers.models import Address, Consent, Customer


class AddressInline(admin.StackedInline):
    model = Address
    extra = 0


class ConsentInline(admin.TabularInline):
    model = Consent
    extra = 0
    readonly_fields = ("purpose", "granted", "source", "created_at")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Customer)
class CustomerAdmin(UserAdmin):
    ordering = ("-date_joined",)
    list_display = ("email", "first_name", "last_name", "phone", "is_guest", "is_staff", "date_joined")
    list_filter = ("is_staff", "is_guest", "is_active", "signup_source", "groups")
    search_fields = ("email", "first_name", "last_name", "phone", "public_id")
    readonly_fields = ("public_id", "date_joined", "last_login")
    inlines = [AddressInline, ConsentInline]
    fieldsets = (
        (None, {"fields": ("public_id", "email", "password")}),
        ("Profile", {"fields": ("first_name", "last_name", "phone", "is_guest", "signup_source")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined", "erased_at")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ("customer", "purpose", "granted", "source", "created_at")
    list_filter = ("purpose", "granted", "source")
    search_fields = ("customer__email",)
    list_select_related = ("customer",)
