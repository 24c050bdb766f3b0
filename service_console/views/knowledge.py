from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_GET, require_POST

from service_console.exceptions import ConsoleError
from service_console.models import Article, Case
from service_console.permissions import console_required
from service_console.selectors import article_search
from service_console.services.knowledge import article_share
from service_console.views.base import customer_or_404, render_console


@console_required
@require_GET
def knowledge(request):
    q = request.GET.get("q", "").strip()[:200]
    articles = article_search(q, limit=30)
    template = "service_console/partials/article_results.html" if request.htmx else "service_console/knowledge.html"
    return render_console(request, template, {"q": q, "articles": articles}, section="knowledge")


@console_required
@require_GET
def article_detail(request, pk: int):
    article = get_object_or_404(Article, pk=pk)
    return render_console(request, "service_console/article_detail.html", {"article": article}, section="knowledge")


@console_required
@require_POST
def article_share_view(request, pk: int | None = None):
    """Share a public article with a customer (optionally in the context of a case)."""
    if pk is None:
        pk = request.POST.get("article", "")
    article = get_object_or_404(Article, pk=pk if str(pk).isdigit() else 0)
    case = None
    if request.POST.get("case"):
        case = get_object_or_404(Case.objects.select_related("customer"), pk=request.POST["case"])
        customer = case.customer
    else:
        customer = customer_or_404(request.POST.get("customer", ""))
    try:
        article_share(article=article, customer=customer, actor=request.user, case=case)
    except ConsoleError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"“{article.title}” emailed to {customer.email}.")
    return redirect(case.get_absolute_url() if case else f"/console/customers/{customer.public_id}/")
