from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from common.forms import SearchForm
from service_console.exceptions import ConsoleError
from service_console.forms import ArticleShareForm
from service_console.models import Article, Case
from service_console.permissions import console_required
from service_console.selectors import article_search
from service_console.services.knowledge import article_share
from service_console.views.base import customer_or_404, render_console
from service_console.views.customer import SHARE_PANEL, Feedback, share_context, side_action_response


@console_required
@require_GET
def knowledge(request):
    q = SearchForm(request.GET).values["q"]
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
    form = ArticleShareForm(request.POST)
    if not form.is_valid():
        raise Http404("No such article, case or customer")
    data = form.cleaned_data
    article = get_object_or_404(Article, pk=pk if pk is not None else data["article"] or 0)
    case = None
    if data["case"]:
        case = get_object_or_404(Case.objects.select_related("customer"), pk=data["case"])
        customer = case.customer
    else:
        customer = customer_or_404(data["customer"] or "")
    try:
        article_share(article=article, customer=customer, actor=request.user, case=case)
    except ConsoleError as exc:
        ok, text = False, str(exc)
    else:
        ok, text = (
            True,
            gettext("“%(title)s” emailed to %(email)s.") % {"title": article.title, "email": customer.email},
        )
    if case is None and request.htmx:
        # From the Customer 360: the message beside the button, emails and timeline refreshed.
        feedback = Feedback(slot="share", text=text, level="success" if ok else "error")
        context = {**share_context(), "shared_article": article.pk}
        return side_action_response(
            request, customer, template=SHARE_PANEL, feedback=feedback, context=context, status=200 if ok else 400
        )
    (messages.success if ok else messages.error)(request, text)
    return redirect(case.get_absolute_url() if case else f"/console/customers/{customer.public_id}/")
