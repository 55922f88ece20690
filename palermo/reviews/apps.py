from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "palermo.reviews"
    label = "reviews"
    verbose_name = _("Review tracker")

    def ready(self):
        from palermo.reviews.roles import ensure_coordinators_group

        post_migrate.connect(ensure_coordinators_group, sender=self)
