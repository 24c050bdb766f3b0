from django.urls import path

from service_console.views import approvals, cases, customer, home, knowledge

app_name = "console"

urlpatterns = [
    path("", home.home, name="home"),
    path("search/", home.search, name="search"),
    path("customers/<uuid:public_id>/", customer.customer_detail, name="customer"),
    path("customers/<uuid:public_id>/timeline/", customer.timeline, name="timeline"),
    path("customers/<uuid:public_id>/consent/", customer.consent_change, name="consent"),
    path("customers/<uuid:public_id>/campaign/", customer.campaign_send, name="campaign_send"),
    path("customers/<uuid:public_id>/cart/", customer.cart_panel, name="cart"),
    path("customers/<uuid:public_id>/cart/add/", customer.cart_add, name="cart_add"),
    path("customers/<uuid:public_id>/cart/lines/<int:line_id>/", customer.cart_line_change, name="cart_line"),
    path(
        "customers/<uuid:public_id>/cart/lines/<int:line_id>/remove/",
        customer.cart_line_delete,
        name="cart_line_remove",
    ),
    path("customers/<uuid:public_id>/cart/lines/<int:line_id>/reserve/", customer.cart_reserve, name="cart_reserve"),
    path("customers/<uuid:public_id>/cart/override/", customer.cart_override, name="cart_override"),
    path(
        "customers/<uuid:public_id>/cart/override/<int:override_id>/remove/",
        customer.cart_override_delete,
        name="cart_override_remove",
    ),
    path("customers/<uuid:public_id>/cart/honour-coupon/", customer.cart_honour_coupon, name="cart_honour_coupon"),
    path("customers/<uuid:public_id>/cart/place-order/", customer.cart_place_order, name="cart_place_order"),
    path("customers/<uuid:public_id>/cart/send-link/", customer.cart_send_link, name="cart_send_link"),
    path("customers/<uuid:public_id>/catalog/", customer.catalog_search, name="catalog_search"),
    path("customers/<uuid:public_id>/cases/new/", cases.case_new, name="case_new"),
    path("cases/", cases.case_list, name="cases"),
    path("cases/<int:pk>/", cases.case_detail, name="case"),
    path("cases/<int:pk>/update/", cases.case_change, name="case_update"),
    path("cases/<int:pk>/take/", cases.case_take, name="case_take"),
    path("cases/<int:pk>/messages/", cases.case_message, name="case_message"),
    path("cases/<int:pk>/link-order/", cases.case_link, name="case_link_order"),
    path("knowledge/", knowledge.knowledge, name="knowledge"),
    path("knowledge/<int:pk>/", knowledge.article_detail, name="article"),
    path("knowledge/share/", knowledge.article_share_view, name="article_share_any"),
    path("knowledge/<int:pk>/share/", knowledge.article_share_view, name="article_share"),
    path("approvals/", approvals.approval_list, name="approvals"),
    path("approvals/<int:pk>/decide/", approvals.approval_decide, name="approval_decide"),
    path("reports/overrides/", approvals.override_report_view, name="override_report"),
]
