"""Idempotent loading of curated CSV files into Curated models.

A row is created, updated, left unchanged, or skipped. Skipped when its current values come
from a source of higher precedence than the load's own (Origin: the curated files, then a
UN Treaty Collection import, then a coordinator's correction) and the caller did not ask to
overwrite them. Every write goes through save() so django-simple-history keeps a version
with the load's reason."""

import csv
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import models
from django.utils import translation

from palermo.common.enums import Origin


@dataclass
class LoadReport:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    skipped: list[str] = field(default_factory=list)

    @property
    def changes(self) -> int:
        return sum(self.created.values()) + sum(self.updated.values())

    def lines(self) -> list[str]:
        labels = sorted(set(self.created) | set(self.updated) | set(self.unchanged))
        out = [
            f"{label}: {self.created[label]} created, {self.updated[label]} updated, "
            f"{self.unchanged[label]} unchanged"
            for label in labels
        ]
        out += [f"skipped (newer values kept): {item}" for item in self.skipped]
        out.append(f"{self.changes} changes, {len(self.skipped)} corrections kept")
        return out


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def sync_rows(
    model: type[models.Model],
    rows: Iterable[dict[str, Any]],
    *,
    key: Callable[[dict[str, Any]], tuple],
    instance_key: Callable[[Any], tuple],
    report: LoadReport,
    overwrite_corrections: bool = False,
    queryset: models.QuerySet | None = None,
    origin: Origin = Origin.IMPORT,
    reason: str = "load_reference",
) -> dict[tuple, Any]:
    """Make the table agree with `rows` (field name -> Python value, FKs as `<name>_id`).

    Returns every instance by key, for loading dependent tables without more queries."""
    # Reports read the same whatever language a caller left active.
    with translation.override("en"):
        label = str(model._meta.verbose_name_plural)
    existing = {
        instance_key(obj): obj
        for obj in (queryset if queryset is not None else model.objects.all())
    }
    for values in rows:
        lookup = key(values)
        obj = existing.get(lookup)
        if obj is None:
            obj = model(**values, origin=origin)
            obj._change_reason = f"{reason}: created"
            obj.full_clean(validate_unique=False, validate_constraints=False)
            obj.save()
            existing[lookup] = obj
            report.created[label] += 1
            continue
        changed = [name for name, value in values.items() if getattr(obj, name) != value]
        if not changed:
            report.unchanged[label] += 1
        elif Origin(obj.origin).precedence > origin.precedence and not overwrite_corrections:
            kept = Origin(obj.origin).label
            report.skipped.append(f"{label} {obj} ({kept}): {', '.join(sorted(changed))}")
        else:
            for name in changed:
                setattr(obj, name, values[name])
            obj.origin = origin
            obj._change_reason = f"{reason}: " + ", ".join(sorted(changed))
            obj.full_clean(validate_unique=False, validate_constraints=False)
            obj.save()
            report.updated[label] += 1
    return existing


def parse_bool(value: str) -> bool:
    if value not in {"yes", "no"}:
        raise ValueError(f"expected yes or no, got {value!r}")
    return value == "yes"
