from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from customers.models import Address, Consent, Customer
from customers.phones import looks_like_phone, phone_display, phone_search_candidates
from customers.templatetags.addresses import address as address_html


class AddressInline(admin.StackedInline):
    model = Address
    extra = 0
    readonly_fields = ("printed_as",)

    @admin.display(description=_("Printed as"))
    def printed_as(self, obj):
        """The one address format (customers.addresses) the shop, emails and console use."""
        return address_html(obj, "yes") if obj.pk else "—"


class ConsentInline(admin.TabularInline):
    model = Consent
    extra = 0
    readonly_fields = ("purpose", "granted", "source", "created_at")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Customer)
class CustomerAdmin(SimpleHistoryAdmin, UserAdmin):
    ordering = ("-date_joined",)
    list_display = ("email", "first_name", "last_name", "phone_shown", "is_guest", "is_staff", "date_joined")
    list_filter = ("is_staff", "is_guest", "is_active", "signup_source", "groups")
    search_fields = ("email", "first_name", "last_name", "phone", "public_id")
    readonly_fields = ("public_id", "date_joined", "last_login")
    inlines = [AddressInline, ConsentInline]
    fieldsets = (
        (None, {"fields": ("public_id", "email", "password")}),
        (
            "Profile",
            {
                "fields": (
                    ("last_name", "first_name"),
                    ("last_name_reading", "first_name_reading"),
                    "phone",
                    "is_guest",
                    "signup_source",
                )
            },
        ),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined", "erased_at")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    @admin.display(description=_("Phone"), ordering="phone")
    def phone_shown(self, obj):
        return phone_display(obj.phone) if obj.phone else ""

    def get_search_results(self, request, queryset, search_term):
        """A phone number typed any way ('090-1234-5678') finds the E.164 one stored."""
        base = queryset  # already narrowed by the list filters
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if looks_like_phone(search_term):
            queryset |= base.filter(phone__in=phone_search_candidates(search_term))
        return queryset, may_have_duplicates


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ("customer", "purpose", "granted", "source", "created_at")
    list_filter = ("purpose", "granted", "source")
    search_fields = ("customer__email",)
    list_select_related = ("customer",)
