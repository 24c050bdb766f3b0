"""What each staff role may do in `orders` (customers.roles collects every app's share)."""

from customers.roles import AGENTS, MARKETERS, SUPERVISORS, role_permissions_register

AGENT_ORDERS = [
    "orders.view_order",
    "orders.change_order",
    "orders.view_orderline",
    "orders.view_orderevent",
    "orders.view_payment",
]


def register() -> None:
    role_permissions_register(
        "orders",
        {
            AGENTS: AGENT_ORDERS,
            SUPERVISORS: [
                *AGENT_ORDERS,
                "orders.delete_order",
            ],
            MARKETERS: [
                "orders.view_order",
                "orders.view_orderline",
            ],
        },
    )
