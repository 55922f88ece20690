from django.urls import path

from palermo.organizations import views

app_name = "organizations"
urlpatterns = [
    path("organizations/", views.organization_list, name="organization_list"),
    path("organizations/new/", views.organization_create, name="organization_create"),
    path("organizations/mine/", views.my_organizations, name="my_organizations"),
    path("organizations/<slug:slug>/", views.organization_detail, name="organization_detail"),
    path("organizations/<slug:slug>/logo/", views.organization_logo, name="organization_logo"),
    path("organizations/<slug:slug>/edit/", views.organization_edit, name="organization_edit"),
    path(
        "organizations/<slug:slug>/members/",
        views.organization_members,
        name="organization_members",
    ),
    path("organizations/<slug:slug>/members/invite/", views.member_invite, name="member_invite"),
    path("organizations/<slug:slug>/members/<int:pk>/role/", views.member_role, name="member_role"),
    path(
        "organizations/<slug:slug>/members/<int:pk>/remove/",
        views.member_remove,
        name="member_remove",
    ),
    path(
        "organizations/<slug:slug>/members/<int:pk>/make-owner/",
        views.ownership_transfer,
        name="ownership_transfer",
    ),
    path(
        "organizations/<slug:slug>/invitations/<int:pk>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("organizations/<slug:slug>/leave/", views.organization_leave, name="organization_leave"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("coordination/organizations/", views.verification_queue, name="verification_queue"),
    path(
        "coordination/organizations/<slug:slug>/",
        views.organization_decide,
        name="organization_decide",
    ),
    path("experts/", views.expert_list, name="expert_list"),
    path("experts/me/", views.expert_edit, name="expert_edit"),
    path("experts/me/withdraw/", views.expert_withdraw, name="expert_withdraw"),
    path("experts/<uuid:public_id>/", views.expert_detail, name="expert_detail"),
    path("experts/<uuid:public_id>/contact/", views.expert_contact, name="expert_contact"),
]
