"""What each staff role may do in `helpdesk` (customers.roles collects every app's share)."""

from customers.roles import AGENTS, SUPERVISORS, role_permissions_register

_AGENT = ["helpdesk.view_savedreply", "helpdesk.view_satisfactionrating"]


def register() -> None:
    role_permissions_register(
        "helpdesk",
        {
            AGENTS: _AGENT,
            SUPERVISORS: [*_AGENT, "helpdesk.add_savedreply", "helpdesk.change_savedreply"],
        },
    )
