from django.urls import path

from orders import views, webhooks

app_name = "orders"

urlpatterns = [
    path("orders/", views.BuyerOrderListView.as_view(), name="list"),
    path("orders/<str:number>/", views.OrderDetailView.as_view(), name="detail"),
    path("orders/<str:number>/ship/", views.ShipOrderView.as_view(), name="ship"),
    path("orders/<str:number>/delivered/", views.ReportDeliveredView.as_view(), name="report_delivered"),
    path("orders/<str:number>/confirm/", views.ConfirmReceiptView.as_view(), name="confirm"),
    path("orders/<str:number>/extension/", views.RequestExtensionView.as_view(), name="request_extension"),
    path("orders/<str:number>/extension/grant/", views.GrantExtensionView.as_view(), name="grant_extension"),
    path(
        "orders/<str:number>/extension/decline/",
        views.DeclineExtensionView.as_view(),
        name="decline_extension",
    ),
    path("seller/orders/", views.SellerOrderListView.as_view(), name="seller_list"),
    path("tracking/webhook/", views.tracking_webhook, name="tracking_webhook"),
    path("seller/return-policy/", views.ReturnPolicyView.as_view(), name="return_policy"),
    path("payments/stripe/webhook/", webhooks.stripe_webhook, name="stripe_webhook"),
]
