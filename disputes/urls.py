from django.urls import path

from disputes import appeal_views, dossier_views, record_views, views

app_name = "disputes"

ACTIONS = [
    ("accept", views.AcceptRequestView, "accept_request"),
    ("counter-offer", views.CounterOfferView, "counter_offer"),
    ("reject", views.RejectRequestView, "reject_request"),
    ("accept-offer", views.AcceptOfferView, "accept_offer"),
    ("modify", views.ModifyRequestView, "modify_request"),
    ("escalate", views.EscalateView, "escalate"),
    ("withdraw", views.WithdrawView, "withdraw"),
    ("return/ship", views.ShipReturnView, "ship_return"),
    ("return/confirm", views.ConfirmReturnView, "confirm_return_received"),
    ("return/problem", views.ReturnProblemView, "report_return_problem"),
    ("evidence/provide", views.ProvideEvidenceView, "provide_evidence"),
    ("evidence/add", views.AddEvidenceView, "add_evidence"),
    ("deadline/extend", views.ExtendDeadlineView, "extend_deadline"),
    ("appeal", appeal_views.FileAppealView, "file_appeal"),
    ("appeal/answer", appeal_views.AnswerAppealView, "answer_appeal"),
]

urlpatterns = [
    path("disputes/", views.DisputeInboxView.as_view(), name="list"),
    path("seller/disputes/", views.DisputeInboxView.as_view(as_seller=True), name="seller_list"),
    path("orders/<str:number>/dispute/", views.OpenDisputeView.as_view(), name="open"),
    path("disputes/<int:pk>/", views.DisputeDetailView.as_view(), name="detail"),
    *[path(f"disputes/<int:pk>/{url}/", view.as_view(), name=name) for url, view, name in ACTIONS],
    path("disputes/<int:pk>/dossier.pdf", dossier_views.DossierPdfView.as_view(), name="dossier_pdf"),
    path("disputes/<int:pk>/dossier.zip", dossier_views.DossierArchiveView.as_view(), name="dossier_zip"),
    path("stores/<int:pk>/", record_views.StoreRecordView.as_view(), name="store_record"),
    path("seller/record/", record_views.SellerRecordView.as_view(), name="seller_record"),
    path("evidence/<uuid:public_id>/<str:variant>/", views.EvidenceFileView.as_view(), name="evidence"),
]
