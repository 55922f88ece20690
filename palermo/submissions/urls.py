from django.urls import path, register_converter

from palermo.submissions import views
from palermo.submissions.converters import ReferenceConverter

register_converter(ReferenceConverter, "ref")

app_name = "submissions"
urlpatterns = [
    path("submissions/", views.submission_list, name="submission_list"),
    path("submissions/new/", views.submission_new, name="submission_new"),
    path("submissions/mine/", views.my_submissions, name="my_submissions"),
    path("submissions/<ref:reference>/", views.submission_detail, name="submission_detail"),
    path("submissions/<ref:reference>/edit/", views.submission_edit, name="submission_edit"),
    path(
        "submissions/<ref:reference>/autosave/",
        views.submission_autosave,
        name="submission_autosave",
    ),
    path(
        "submissions/<ref:reference>/versions/",
        views.submission_versions,
        name="submission_versions",
    ),
    path(
        "submissions/<ref:reference>/steps/<str:action>/",
        views.submission_transition,
        name="submission_transition",
    ),
    path("submissions/<ref:reference>/comments/", views.comment_add, name="comment_add"),
    path(
        "submissions/<ref:reference>/receipts/<int:pk>.json",
        views.receipt_download,
        name="receipt_download",
    ),
    path(
        "submissions/<ref:reference>/receipts/<int:pk>.pdf",
        views.receipt_pdf,
        name="receipt_pdf",
    ),
    path(
        "submissions/<ref:reference>/attachments/",
        views.attachment_upload,
        name="attachment_upload",
    ),
    path(
        "submissions/<ref:reference>/attachments/<int:pk>/",
        views.attachment_download,
        name="attachment_download",
    ),
    path("verify/", views.verify, name="verify"),
    path("submit/", views.anonymous_submit, name="anonymous_submit"),
    path("submit/return/", views.anonymous_return, name="anonymous_return"),
    path("submit/return/comment/", views.anonymous_comment, name="anonymous_comment"),
    path("submit/return/leave/", views.anonymous_leave, name="anonymous_leave"),
    path(
        "submissions/<ref:reference>/cosigners/invite/",
        views.cosigner_invite,
        name="cosigner_invite",
    ),
    path(
        "submissions/<ref:reference>/cosigners/<str:answer>/",
        views.cosigner_answer,
        name="cosigner_answer",
    ),
    path("cosigning/", views.cosigning_invitations, name="cosigning_invitations"),
    path("coordination/submissions/", views.moderation_queue, name="moderation_queue"),
]
