"""Who may use the console: members of Agents or Supervisors (and superusers).

Anonymous visitors are sent to sign in; everyone else signed in gets 403. Every console
view is wrapped, so no endpoint is reachable without this check.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from customers.roles import AGENTS, SUPERVISORS


def _group_names(user) -> set[str]:
    # Cached on the user object for the request: the shell and the view both ask.
    names = getattr(user, "_console_groups", None)
    if names is None:
        names = set(user.groups.values_list("name", flat=True))
        user._console_groups = names
    return names


def console_user(user) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or bool(_group_names(user) & {AGENTS, SUPERVISORS})


def console_supervisor(user) -> bool:
    return console_user(user) and (user.is_superuser or SUPERVISORS in _group_names(user))


def console_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not console_user(request.user):
            raise PermissionDenied("The service console is for agents and supervisors.")
        return view(request, *args, **kwargs)

    return wrapper


def supervisor_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not console_supervisor(request.user):
            raise PermissionDenied("Only supervisors can do this.")
        return view(request, *args, **kwargs)

    return wrapper
