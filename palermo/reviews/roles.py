"""The coordinators' group and its permissions, kept in step with the models after every
migrate (permissions only exist after post_migrate, so a data migration cannot do it)."""

from django.contrib.auth.models import Group, Permission

from palermo.reviews.permissions import COORDINATORS_GROUP

# Coordinators correct reference data and record what happens in reviews; they never
# delete reference rows (history must stay whole), only review records entered in error.
COORDINATOR_PERMISSIONS = {
    "reference": {
        "instrument": ("view", "change"),
        "cluster": ("view", "change"),
        "article": ("view", "change"),
        "state": ("view", "change"),
        "participation": ("view", "add", "change"),
    },
    "reviews": {
        "reviewgroup": ("view", "change"),
        "phase": ("view", "change"),
        "groupmembership": ("view", "add", "change"),
        "countryreview": ("view", "add", "change"),
        "stageevent": ("view", "add", "change", "delete"),
        "reviewer": ("view", "add", "change", "delete"),
        "focalpoint": ("view", "add", "change", "delete"),
        "reviewdocument": ("view", "add", "change", "delete"),
    },
}


def ensure_coordinators_group(**kwargs) -> Group:
    group, _ = Group.objects.get_or_create(name=COORDINATORS_GROUP)
    codenames = [
        f"{action}_{model}"
        for models in COORDINATOR_PERMISSIONS.values()
        for model, actions in models.items()
        for action in actions
    ]
    wanted = Permission.objects.filter(
        content_type__app_label__in=COORDINATOR_PERMISSIONS, codename__in=codenames
    )
    group.permissions.set(wanted)
    return group
