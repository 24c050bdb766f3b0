from django.urls import path

from customers import account_views, language_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path("signup/", views.signup, name="signup"),
    path("language/", language_views.language_switch, name="language"),
    # Account pages (storefront issue)
    path("", account_views.profile, name="profile"),
    path("addresses/", account_views.address_list, name="addresses"),
    path("addresses/new/", account_views.address_edit, name="address_add"),
    path("addresses/<int:pk>/edit/", account_views.address_edit, name="address_edit"),
    path("addresses/<int:pk>/delete/", account_views.address_remove, name="address_delete"),
    path("addresses/<int:pk>/default/", account_views.address_default, name="address_default"),
    path("address-fields/", account_views.address_fields, name="address_fields"),
    path("privacy/", account_views.consent_settings, name="consent"),
    path("social/", account_views.social_handles, name="social"),
    path("social/<int:pk>/remove/", account_views.social_handle_delete, name="social_remove"),
    path("password-reset/", account_views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", account_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        account_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password-reset/complete/", account_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]
