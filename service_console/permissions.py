"""Who may use the console: members of Agents or Supervisors (and superusers).

Anonymous visitors are sent to sign in; everyone else signed in gets 403. Every console
view is wrapped, so no endpoint is reachable without this check.
"""

from functools import wraps
from urllib.parse import urlsplit

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext
from django_htmx.http import HttpResponseClientRedirect

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


def _to_sign_in(request):
    current = urlsplit(request.headers.get("HX-Current-URL", ""))
    back_to = current.path + (f"?{current.query}" if current.query else "") if current.path else ""
    response = redirect_to_login(back_to or request.get_full_path())
    if getattr(request, "htmx", False):
        # A poll or partial after the session ended: send the whole page to sign in
        # instead of swapping the sign-in form into a panel.
        return HttpResponseClientRedirect(response["Location"])
    return response


def console_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return _to_sign_in(request)
        if not console_user(request.user):
            raise PermissionDenied(gettext("The service console is for agents and supervisors."))
        return view(request, *args, **kwargs)

    return wrapper


def supervisor_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return _to_sign_in(request)
        if not console_supervisor(request.user):
            raise PermissionDenied(gettext("Only supervisors can do this."))
        return view(request, *args, **kwargs)

    return wrapper
