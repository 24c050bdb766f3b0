from django.urls import path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("category/<slug:slug>/", views.category_detail, name="category"),
    path("products/<slug:slug>/", views.product_page, name="product"),
    path("search/", views.search, name="search"),
]
