"""What each staff role may do with live chat in admin (customers.roles collects every app's share)."""

from customers.roles import AGENTS, SUPERVISORS, role_permissions_register

AGENT_CHAT = [
    "conversations.view_conversation",
    "conversations.view_chatmessage",
    "conversations.view_agentpresence",
]


def register() -> None:
    role_permissions_register(
        "conversations",
        {
            AGENTS: AGENT_CHAT,
            SUPERVISORS: [
                *AGENT_CHAT,
                "conversations.view_assignmentsettings",
                "conversations.change_assignmentsettings",
                "conversations.add_assignmentsettings",
            ],
        },
    )
