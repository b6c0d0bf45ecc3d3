from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic.base import RedirectView

from liuhen.access import views as access_views
from liuhen.agency_settings import views as settings_views
from liuhen.archive import views as archive_views
from liuhen.cases import history_views, views
from liuhen.deadlines import views as deadline_views
from liuhen.disclosure import review as disclosure_review
from liuhen.disclosure import statistics_view as disclosure_statistics
from liuhen.documents import public_views as document_public
from liuhen.documents import views as document_views
from liuhen.media import tus
from liuhen.media import views as media_views
from liuhen.web import rule_views
from liuhen.web.api import api

handler500 = "liuhen.web.errors.server_error"  # the request id in the page and in the log
handler404 = "liuhen.web.errors.not_found"  # in Chinese, in the layout of the site
handler403 = "liuhen.web.errors.permission_denied"

admin.site.site_header = "留痕 · 机构与人员管理"
admin.site.site_title = "留痕"

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_create, name="case_create"),
    path("cases/<int:case_id>/", views.case_detail, name="case_detail"),
    path("cases/<int:case_id>/access-history/", history_views.case_access_history, name="case_access_history"),
    path("cases/<int:case_id>/transition/", views.case_transition, name="case_transition"),
    path("cases/<int:case_id>/acts/", views.case_act, name="case_act"),
    path("cases/<int:case_id>/major/", views.case_major, name="case_major"),
    path("cases/<int:case_id>/approvals/", views.case_approvals, name="case_approvals"),
    path("cases/<int:case_id>/documents/", views.case_documents, name="case_documents"),
    path("cases/<int:case_id>/media/", views.case_media, name="case_media"),
    path("cases/<int:case_id>/deadlines/", views.case_deadlines, name="case_deadlines"),
    path("cases/<int:case_id>/timeline/", views.case_timeline, name="case_timeline"),
    path("cases/<int:case_id>/copies/", views.case_copies, name="case_copies"),
    path("approvals/<int:approval_id>/<str:step>/", views.approval_sign, name="approval_sign"),
    path("cases/<int:case_id>/documents/new/", document_views.document_new, name="document_new"),
    path("documents/<int:document_id>/", document_views.document_detail, name="document_detail"),
    path("documents/<int:document_id>/pdf/", document_views.document_pdf, name="document_pdf"),
    path("verify/", document_public.verify_start, name="document_verify_start"),
    path("verify/<str:code>/", document_public.verify, name="document_verify"),
    path("verify/<str:code>/proof.json", document_public.verify_proof, name="document_verify_proof"),
    path("media/<int:recording_id>/stream/", media_views.stream, name="media_stream"),
    path("media/<int:recording_id>/poster/", media_views.poster, name="media_poster"),
    path("media/<int:recording_id>/access/", media_views.access, name="media_access"),
    path("media/unlinked/", media_views.unlinked, name="media_unlinked"),
    path("media/upload/", media_views.upload_page, name="media_upload"),
    path("media/<int:recording_id>/interruption/", media_views.interruption, name="media_interruption"),
    path("media/<int:recording_id>/start/", media_views.start_time, name="media_start"),
    path("media/<int:recording_id>/statements/", media_views.statements, name="media_statements"),
    path("media/<int:recording_id>/evidence/", media_views.evidence, name="media_evidence"),
    path("devices/<int:device_id>/assign/", media_views.device_assign, name="media_device_assign"),
    path("uploads/", tus.uploads, name="tus_uploads"),
    path("uploads/<uuid:upload_id>", tus.upload, name="tus_upload"),
    path("devices/", media_views.devices, name="media_devices"),
    path("devices/<int:device_id>/log/", media_views.device_log, name="media_device_log"),
    path("cases/<int:case_id>/access-request/", access_views.access_request, name="access_request"),
    path("access-requests/", access_views.access_requests, name="access_requests"),
    path("access-requests/<int:access_request_id>/decide/", access_views.access_decide, name="access_decide"),
    path("cases/<int:case_id>/copy-requests/", access_views.copy_request, name="copy_request"),
    path("copy-requests/<int:request_id>/decide/", access_views.copy_decide, name="copy_decide"),
    path("copy-requests/<int:request_id>/status/", access_views.copy_status, name="copy_status"),
    path("copy-requests/<int:request_id>/retry/", access_views.copy_retry, name="copy_retry"),
    path("copy-requests/<int:request_id>/package/", access_views.copy_package, name="copy_package"),
    path("cases/<int:case_id>/marks/", access_views.mark, name="case_mark"),
    path("deadlines/", deadline_views.deadline_list, name="deadline_list"),
    path("alerts/<int:alert_id>/read/", deadline_views.alert_read, name="alert_read"),
    path("settings/", settings_views.settings_page, name="agency_settings"),
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True), name="favicon"),
    path("archive/", archive_views.archive_queue, name="archive_queue"),
    path("archive/disposal/", archive_views.disposal, name="archive_disposal"),
    path("cases/<int:case_id>/archive/", archive_views.case_file, name="case_file"),
    path("cases/<int:case_id>/archive/do/", archive_views.case_file_do, name="case_file_do"),
    path("cases/<int:case_id>/archive/pdf/", archive_views.case_file_pdf, name="case_file_pdf"),
    path("cases/<int:case_id>/archive/bag/", archive_views.case_file_bag, name="case_file_bag"),
    path("cases/<int:case_id>/archive/check/", archive_views.case_file_check_pdf, name="case_file_check_pdf"),
    path("supervision/", include("liuhen.supervision.urls")),
    path("rules/", rule_views.rules, name="rules"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("disclosure/review/", disclosure_review.review, name="disclosure_review"),
    path("disclosure/prior/", disclosure_review.prior_page, name="disclosure_prior"),
    path("disclosure/statistics/<int:year>/", disclosure_statistics.current_tables, name="disclosure_statistics"),
    path("gongshi/", include("liuhen.disclosure.urls")),  # the public disclosure portal (rules P1–P12)
]
