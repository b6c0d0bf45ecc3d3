from django.urls import path

from liuhen.disclosure import views

urlpatterns = [
    path("", views.index, name="gongshi_index"),
    path("agencies/<int:agency_id>/", views.agency_page, name="gongshi_agency"),
    path("av-rules/", views.av_list, name="gongshi_av"),
    path("entries/", views.entry_list, name="gongshi_entries"),
    path("entries/<int:entry_id>/", views.entry_page, name="gongshi_entry"),
    path("entries/<int:entry_id>.json", views.entry_json, name="gongshi_entry_json"),
    path("entries/<int:entry_id>/correction/", views.correction, name="gongshi_correction"),
    path("agencies/<int:agency_id>/statistics/<int:year>/", views.statistics_page, name="gongshi_statistics"),
    path("agencies/<int:agency_id>/statistics/<int:year>.xlsx", views.statistics_xlsx, name="gongshi_statistics_xlsx"),
    path("feed.json", views.feed_json, name="gongshi_feed_json"),
    path("feed.csv", views.feed_csv, name="gongshi_feed_csv"),
    path("log/checkpoint", views.log_checkpoint, name="gongshi_log_checkpoint"),
    path("log/key", views.log_key, name="gongshi_log_key"),
    path("log/leaves/<int:index>", views.log_leaf, name="gongshi_log_leaf"),
    path("log/consistency", views.log_consistency, name="gongshi_log_consistency"),
]
