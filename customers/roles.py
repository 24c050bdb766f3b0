"""Staff roles as Django groups. ROLE_PERMISSIONS is the single source of truth; the data
migration creates the groups and roles_sync (after every migrate) attaches permissions of
models that later apps add."""

from django.contrib.auth.models import Group, Permission

AGENTS = "Agents"
SUPERVISORS = "Supervisors"
MARKETERS = "Marketers"

_AGENT = [
    "customers.view_customer",
    "customers.change_customer",
    "customers.view_address",
    "customers.add_address",
    "customers.change_address",
    "customers.view_consent",
    "customers.add_consent",
    "catalog.view_product",
    "catalog.view_variant",
    "catalog.view_category",
    "catalog.view_productimage",
    "catalog.view_searchquery",
    "catalog.view_productview",
    "catalog.view_recommendation",
    "carts.view_cart",
    "carts.change_cart",
    "orders.view_order",
    "orders.change_order",
    # carts/orders (commerce)
    "carts.view_cartline",
    "carts.view_cartoverride",
    "carts.add_cartoverride",
    "carts.view_voucher",
    "carts.view_stockreservation",
    "carts.add_stockreservation",
    "orders.view_orderline",
    "orders.view_orderevent",
    "orders.view_payment",
    "service_console.view_case",
    "service_console.add_case",
    "service_console.change_case",
    "service_console.view_article",
    "service_console.view_casemessage",
    "service_console.add_casemessage",
    "messaging.view_outboundemail",
    "messaging.view_emailevent",  # messaging: opens/clicks/unsubscribes
    "common.view_auditentry",
]
ROLE_PERMISSIONS: dict[str, list[str]] = {
    AGENTS: _AGENT,
    SUPERVISORS: _AGENT
    + [
        "service_console.change_article",
        "service_console.add_article",
        "orders.delete_order",
        "carts.change_cartoverride",  # approve/reject agents' discounts (commerce)
        "messaging.change_outboundemail",  # messaging: retry failed email, record bounces
        "messaging.view_suppression",
        "messaging.add_suppression",
    ],
    MARKETERS: [
        "customers.view_customer",
        "customers.view_consent",
        "catalog.view_product",
        "catalog.view_category",
        "catalog.view_searchquery",
        "catalog.view_productview",
        "catalog.view_recommendation",
        "orders.view_order",
        "messaging.view_outboundemail",
        "messaging.view_emailevent",  # messaging
        "messaging.view_suppression",
        "messaging.add_suppression",
        "marketing.view_campaign",
        "marketing.add_campaign",
        "marketing.change_campaign",
        "marketing.view_segment",
        "marketing.add_segment",
        "marketing.change_segment",
        "marketing.view_abandonmentsettings",
        "marketing.change_abandonmentsettings",
        "marketing.view_segmentrule",
        "marketing.add_segmentrule",
        "marketing.change_segmentrule",
        "marketing.delete_segmentrule",
        "marketing.view_campaignblock",
        "marketing.add_campaignblock",
        "marketing.change_campaignblock",
        "marketing.delete_campaignblock",
        "marketing.view_journeystep",
        "marketing.add_journeystep",
        "marketing.change_journeystep",
        "marketing.view_journeyenrollment",
        "marketing.view_cartabandonment",
        "marketing.view_marketingmessage",
        "marketing.view_attribution",
        "marketing.view_behaviourtrigger",
        "service_console.view_article",
        "service_console.add_article",
        "service_console.change_article",
        "carts.view_voucher",
        "carts.add_voucher",
        "carts.change_voucher",
        "carts.view_voucherredemption",  # commerce
        "orders.view_orderline",  # commerce
    ],
}


def roles_sync(**kwargs) -> None:
    """Create the role groups and attach every permission in ROLE_PERMISSIONS that exists."""
    for group_name, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        wanted = []
        for dotted in codenames:
            app_label, codename = dotted.split(".", 1)
            wanted.append((app_label, codename))
        perms = Permission.objects.filter(
            content_type__app_label__in={a for a, _ in wanted}, codename__in={c for _, c in wanted}
        ).select_related("content_type")
        group.permissions.add(*[p for p in perms if (p.content_type.app_label, p.codename) in set(wanted)])


def is_agent(user) -> bool:
    return bool(user.is_authenticated and user.groups.filter(name__in=[AGENTS, SUPERVISORS]).exists())


def is_supervisor(user) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.groups.filter(name=SUPERVISORS).exists()))
