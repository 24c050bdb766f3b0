from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "Orders"

    def ready(self):
        from orders.privacy import register as register_personal_data
        from orders.roles import register as register_roles

        register_personal_data()  # what personal data it holds, how to erase it (R13)
        register_roles()  # its share of the staff roles
        from catalog.recommendations import basket_source_register
        from orders.selectors import order_baskets

        basket_source_register("orders", order_baskets)  # co-purchases for recommendations
