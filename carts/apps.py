from django.apps import AppConfig


class CartsConfig(AppConfig):
    name = "carts"
    verbose_name = "Carts"

    def ready(self):
        from carts.privacy import register as register_personal_data
        from carts.roles import register as register_roles

        register_personal_data()  # what personal data it holds, how to erase it (R13)
        register_roles()  # its share of the staff roles
        from carts.selectors import session_cart_companion_register

        session_cart_companion_register()  # the header's cart count, read with the session
        # Merging the anonymous cart at sign-in is the one framework signal we handle.
        from django.contrib.auth.signals import user_logged_in

        from carts.signals import cart_merge_at_sign_in

        user_logged_in.connect(cart_merge_at_sign_in, dispatch_uid="carts.merge_at_sign_in")
