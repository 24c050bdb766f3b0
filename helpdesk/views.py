"""The customer's end of a satisfaction request: a signed link per score, no sign-in.

GET never records anything (mail scanners fetch links); the page posts the clicked score
by itself (static/js/rating.js), so a person still rates with one click, and without
JavaScript they confirm with a button."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from helpdesk.exceptions import RatingLinkExpired, RatingLinkInvalid
from helpdesk.forms import RatingForm
from helpdesk.services import satisfaction_record, satisfaction_token_read


def _problem(request, kind: str, status: int):
    return render(request, "helpdesk/rate.html", {"problem": kind}, status=status)


@require_http_methods(["GET", "POST"])
def rate(request, token: str, score: int | None = None):
    try:
        rating = satisfaction_token_read(token)
    except RatingLinkExpired:
        return _problem(request, "expired", 410)
    except RatingLinkInvalid:
        return _problem(request, "invalid", 404)
    if request.method == "POST":
        form = RatingForm(request.POST)
        if form.is_valid():
            satisfaction_record(
                rating=rating, score=form.cleaned_data["score"], comment=form.cleaned_data["comment"] or None
            )
            messages.success(
                request, gettext("Thank you — you rated %(score)s out of 5.") % {"score": form.cleaned_data["score"]}
            )
            return redirect("helpdesk:rate_page", token=token)
        return render(request, "helpdesk/rate.html", {"rating": rating, "form": form}, status=400)
    chosen = score if score in range(1, 6) else rating.score
    form = RatingForm(initial={"score": chosen, "comment": rating.comment})
    # A fresh click on an unrated (or differently rated) link is sent by the page itself.
    autosubmit = score in range(1, 6) and score != rating.score
    return render(
        request,
        "helpdesk/rate.html",
        {"rating": rating, "form": form, "chosen": chosen, "autosubmit": autosubmit},
    )
