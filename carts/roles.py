"""What each staff role may do in `carts` (customers.roles collects every app's share)."""

from customers.roles import AGENTS, MARKETERS, SUPERVISORS, role_permissions_register

AGENT_CARTS = [
    "carts.view_cart",
    "carts.change_cart",
    "carts.view_cartline",
    "carts.view_cartoverride",
    "carts.add_cartoverride",
    "carts.view_voucher",
]


def register() -> None:
    role_permissions_register(
        "carts",
        {
            AGENTS: AGENT_CARTS,
            SUPERVISORS: [
                *AGENT_CARTS,
                "carts.change_cartoverride",
            ],
            MARKETERS: [
                "carts.view_voucher",
                "carts.add_voucher",
                "carts.change_voucher",
                "carts.view_voucherredemption",
            ],
        },
    )
