"""What each staff role may do in `mobile` (customers.roles collects every app's share)."""

from customers.roles import AGENTS, MARKETERS, SUPERVISORS, role_permissions_register

VIEW = ["mobile.view_outboundmessage", "mobile.view_inboundsms"]


def register() -> None:
    role_permissions_register(
        "mobile",
        {
            AGENTS: VIEW,
            SUPERVISORS: [*VIEW, "mobile.view_smsoptout"],
            MARKETERS: [*VIEW, "mobile.view_smsoptout"],
        },
    )
