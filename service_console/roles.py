"""What each staff role may do in `service_console` (customers.roles collects every app's share)."""

from customers.roles import AGENTS, MARKETERS, SUPERVISORS, role_permissions_register

AGENT_SERVICE_CONSOLE = [
    "service_console.view_case",
    "service_console.add_case",
    "service_console.change_case",
    "service_console.view_article",
    "service_console.view_casemessage",
    "service_console.add_casemessage",
    "service_console.view_slatarget",  # helpdesk: SLA targets and the SLA report
    "service_console.view_inboundemail",
]


def register() -> None:
    role_permissions_register(
        "service_console",
        {
            AGENTS: AGENT_SERVICE_CONSOLE,
            SUPERVISORS: [
                *AGENT_SERVICE_CONSOLE,
                "service_console.change_article",
                "service_console.add_article",
                "service_console.change_slatarget",
            ],
            MARKETERS: [
                "service_console.view_article",
                "service_console.add_article",
                "service_console.change_article",
            ],
        },
    )
