"""What each staff role may do with social listening (customers.roles collects every app's share).
Agents work the queue in the console; supervisors and marketers tune the rules in admin;
marketers read the insight page (it needs view_socialpost)."""

from customers.roles import AGENTS, MARKETERS, SUPERVISORS, role_permissions_register

_RULES_EDIT = [
    "social.view_socialrule",
    "social.add_socialrule",
    "social.change_socialrule",
    "social.delete_socialrule",
]


def register() -> None:
    role_permissions_register(
        "social",
        {
            AGENTS: ["social.view_socialpost", "social.view_socialrule", "social.view_socialreply"],
            SUPERVISORS: ["social.view_socialpost", "social.view_socialreply", *_RULES_EDIT],
            MARKETERS: ["social.view_socialpost", *_RULES_EDIT],
        },
    )
