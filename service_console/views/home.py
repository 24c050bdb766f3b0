from django.views.decorators.http import require_GET

from common.forms import SearchForm
from service_console.permissions import console_required
from service_console.selectors import SearchHit, case_queue, console_search
from service_console.views.base import render_console


@console_required
@require_GET
def home(request):
    queue = case_queue(agent=request.user)
    return render_console(
        request,
        "service_console/home.html",
        {"queue": queue, "q": "", "hits": None, "autofocus": True},
        section="home",
    )


@console_required
@require_GET
def search(request):
    q = SearchForm(request.GET).values["q"][:100]
    hits: list[SearchHit] = console_search(q) if q else []
    if request.htmx:
        return render_console(request, "service_console/partials/search_results.html", {"q": q, "hits": hits})
    return render_console(request, "service_console/search.html", {"q": q, "hits": hits}, section="home")
