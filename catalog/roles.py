"""What each staff role may do in `catalog` (customers.roles collects every app's share)."""

from customers.roles import AGENTS, MARKETERS, SUPERVISORS, role_permissions_register

AGENT_CATALOG = [
    "catalog.view_product",
    "catalog.view_variant",
    "catalog.view_category",
    "catalog.view_productimage",
    "catalog.view_searchquery",
    "catalog.view_productview",
    "catalog.view_recommendation",
    "catalog.view_stockreservation",  # agents hold stock for a cart (console)
    "catalog.add_stockreservation",
]


def register() -> None:
    role_permissions_register(
        "catalog",
        {
            AGENTS: AGENT_CATALOG,
            SUPERVISORS: [
                *AGENT_CATALOG,
            ],
            MARKETERS: [
                "catalog.view_product",
                "catalog.view_category",
                "catalog.view_searchquery",
                "catalog.view_productview",
                "catalog.view_recommendation",
            ],
        },
    )
