from django.urls import path

from liuhen.supervision import views

urlpatterns = [
    path("", views.dashboard, name="supervision_dashboard"),
    path("charts/<str:key>.csv", views.chart_csv, name="supervision_chart_csv"),
    path("rounds/", views.rounds, name="supervision_rounds"),
    path("rounds/<int:round_id>/", views.round_detail, name="supervision_round"),
    path("sheets/<int:sheet_id>/", views.sheet_detail, name="supervision_sheet"),
    path("playback/", views.playback, name="supervision_playback"),
    path("findings/", views.findings, name="supervision_findings"),
    path("faults/", views.faults, name="supervision_faults"),
]
