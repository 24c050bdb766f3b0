"""Staff roles as Django groups. Each app declares its own share of each role
(`role_permissions_register`, from its AppConfig.ready, in `<app>/roles.py`); the data
migration creates the groups and roles_sync (after every migrate) attaches the permissions
of every app's models."""

from collections.abc import Mapping

from django.contrib.auth.models import Group, Permission

AGENTS = "Agents"
SUPERVISORS = "Supervisors"
MARKETERS = "Marketers"

_CUSTOMER_AGENT = [
    "customers.view_customer",
    "customers.change_customer",
    "customers.view_address",
    "customers.add_address",
    "customers.change_address",
    "customers.view_consent",
    "customers.add_consent",
    "common.view_auditentry",  # common sits below customers: its share is declared here
]

_registry: dict[str, dict[str, list[str]]] = {}


def role_permissions_register(app_label: str, permissions: dict[str, list[str]]) -> None:
    """An app's share of the roles ({group name: ["app_label.codename", ...]}), declared by the
    app itself from its AppConfig.ready, so this lower layer never lists apps above it."""
    _registry[app_label] = {group: list(codenames) for group, codenames in permissions.items()}


def role_permissions() -> dict[str, list[str]]:
    """{group name: every app's permissions for it}, the single source of truth."""
    merged: dict[str, list[str]] = {AGENTS: [], SUPERVISORS: [], MARKETERS: []}
    for permissions in _registry.values():
        for group, codenames in permissions.items():
            merged.setdefault(group, []).extend(c for c in codenames if c not in merged[group])
    return merged


class _RolePermissions(Mapping):
    """ROLE_PERMISSIONS as a read-only view of the registry (the 0002 data migration reads it)."""

    def __getitem__(self, group: str) -> list[str]:
        return role_permissions()[group]

    def __iter__(self):
        return iter(role_permissions())

    def __len__(self) -> int:
        return len(role_permissions())


ROLE_PERMISSIONS = _RolePermissions()


def register() -> None:
    role_permissions_register(
        "customers",
        {
            AGENTS: _CUSTOMER_AGENT,
            SUPERVISORS: _CUSTOMER_AGENT,
            MARKETERS: [
                "customers.view_customer",
                "customers.view_consent",
            ],
        },
    )


def roles_sync(**kwargs) -> None:
    """Create the role groups and attach every registered permission that exists."""
    for group_name, codenames in role_permissions().items():
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


def staff_landing_url(user) -> str | None:
    """Where staff start after signing in: agents and supervisors in the service console,
    marketers (and other staff, superusers included) in admin. None for shoppers."""
    if not getattr(user, "is_authenticated", False):
        return None
    groups = set(user.groups.values_list("name", flat=True))
    if groups & {AGENTS, SUPERVISORS}:
        return "/console/"
    if user.is_staff or user.is_superuser or MARKETERS in groups:
        return "/admin/"
    return None
