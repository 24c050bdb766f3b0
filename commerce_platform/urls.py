from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from commerce_platform.health import healthz
from commerce_platform.privacy_views import your_data, your_data_export
from commerce_platform.views import favicon, home
from customers.forms import AdminSignInForm
from marketing import views as marketing_views
from messaging.views import OutboxPasswordResetView

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    # Translations for the chat widget and console scripts (djangojs domain).
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    # Password reset mail goes through the messaging outbox (same URL and template as customers).
    path("accounts/password-reset/", OutboxPasswordResetView.as_view(), name="password_reset_outbox"),
    path("accounts/data/", your_data, name="your_data"),
    path("accounts/data/export.json", your_data_export, name="your_data_export"),
    path("accounts/", include("customers.urls")),
    path("", include("catalog.urls")),
    path("", include("messaging.urls")),
    path("console/social/", include("social.urls")),  # the console's social queue (social listening)
    path("", include("mobile.urls")),  # /sw.js, /push/…, /sms/twilio/…, /dev/sms/
    path("console/", include("service_console.urls")),
    path("help/", include("service_console.help_urls")),
    path("account/requests/", include("service_console.portal_urls")),  # shopper's cases (helpdesk)
    path("anymail/", include("service_console.inbound_webhooks")),  # ESP inbound email webhooks
    path("", include("helpdesk.urls")),  # /rate/<token>/ satisfaction links
    path("cart/restore/<str:token>/", marketing_views.restore, name="cart_restore"),  # marketing
    path("", include("marketing.urls")),
    path("cart/", include("carts.urls")),
    path("chat/", include("conversations.urls")),  # live chat: start + polling fallback
    path("checkout/", include("orders.checkout_urls")),
    path("orders/", include("orders.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),  # api: /api/v1/…, /api/schema/, /api/docs/
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

admin.site.login_form = AdminSignInForm  # the sign-in limiter's message (customers.throttle)
admin.site.site_header = "Unified Commerce admin"
admin.site.site_title = "Unified Commerce"
admin.site.index_title = "Commerce, service and marketing"
