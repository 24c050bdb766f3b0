from django.http import HttpResponse
from django.urls import path

from commerce_platform.urls import urlpatterns as site_urlpatterns


def ok(request):
    return HttpResponse("ok")


urlpatterns = [path("bench/ok", ok, name="bench_ok"), *site_urlpatterns]
