"""What each staff role may do in `messaging` (customers.roles collects every app's share)."""

from customers.roles import AGENTS, MARKETERS, SUPERVISORS, role_permissions_register

AGENT_MESSAGING = [
    "messaging.view_outboundemail",
    "messaging.view_emailevent",
]


def register() -> None:
    role_permissions_register(
        "messaging",
        {
            AGENTS: AGENT_MESSAGING,
            SUPERVISORS: [
                *AGENT_MESSAGING,
                "messaging.change_outboundemail",
                "messaging.view_suppression",
                "messaging.add_suppression",
            ],
            MARKETERS: [
                "messaging.view_outboundemail",
                "messaging.view_emailevent",
                "messaging.view_suppression",
                "messaging.add_suppression",
            ],
        },
    )
