"""Background tasks for reports: thin wrappers that load by id and call a service."""

from django_tasks import task


@task()
def build_snapshot(*, snapshot_id: int) -> int:
    from palermo.reports.services import snapshot_build  # services import this module

    return snapshot_build(snapshot_id=snapshot_id).pk
