import io
from collections import Counter

import pytest
from django.core.management import call_command

from palermo.common.enums import Origin
from palermo.reference.enums import ParticipationStatus
from palermo.reference.models import Article, Instrument, Participation, RegionalGroup, State
from palermo.reference.services import DATA_DIR
from palermo.reviews.models import CountryReview, GroupMembership, Phase, ReviewGroup

pytestmark = pytest.mark.integration


def load(*args) -> str:
    out = io.StringIO()
    call_command("load_reference", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_reference_spine_is_complete():
    assert list(Instrument.objects.values_list("code", flat=True)) == [
        "untoc",
        "tip",
        "som",
        "firearms",
    ]
    assert Article.objects.count() == 107
    assert Counter(Article.objects.values_list("instrument__code", flat=True)) == {
        "untoc": 41,
        "tip": 20,
        "som": 25,
        "firearms": 21,
    }
    assert State.objects.count() == 198
    assert RegionalGroup.objects.count() == 5
    assert State.objects.get(code="EUU").is_iso_code is False
    assert ReviewGroup.objects.count() == 3
    assert Phase.objects.count() == 12
    assert GroupMembership.objects.count() == 37
    assert CountryReview.objects.count() == 37 * 4


@pytest.mark.django_db
def test_every_loaded_fact_has_a_source_and_a_confidence():
    for model in (Instrument, Article, Participation, Phase, ReviewGroup, GroupMembership):
        assert not model.objects.filter(sources="").exists(), model
        assert not model.objects.exclude(confidence__in=["H", "M", "L"]).exists(), model
    # A cluster is loaded only with its evidence; the rest stay "not yet confirmed".
    assigned = Article.objects.filter(cluster__isnull=False)
    assert assigned.count() == 16
    assert not assigned.filter(cluster_sources="").exists()
    assert Article.objects.get(instrument__code="untoc", number=1).cluster is None


@pytest.mark.django_db
def test_participation_reflects_the_sources():
    nigeria = {p.instrument.code: p for p in State.objects.get(code="NGA").participations.all()}
    assert nigeria["untoc"].status == ParticipationStatus.PARTY
    assert nigeria["untoc"].action == "ratification"
    assert str(nigeria["untoc"].date) == "2001-06-28"
    assert nigeria["untoc"].confidence == "H"
    # Somalia: only an undated secondary list says it is not a party, hence low confidence.
    somalia = Participation.objects.get(state__code="SOM", instrument__code="untoc")
    assert (somalia.status, somalia.confidence) == (ParticipationStatus.NOT_PARTY, "L")
    # No evidence either way: no row, so the pages say "status unknown".
    assert not Participation.objects.filter(state__code="PAK", instrument__code="tip").exists()


@pytest.mark.django_db
def test_second_load_reports_no_changes():
    output = load()
    assert output.strip().endswith("0 changes, 0 corrections kept")
    assert "198 unchanged" in output


@pytest.mark.django_db
def test_coordinator_correction_survives_a_reimport_and_is_reported():
    participation = Participation.objects.get(state__code="PAK", instrument__code="untoc")
    original_date = participation.date
    participation.status = ParticipationStatus.SIGNATORY
    participation.sources = "https://treaties.un.org/correction-example"
    participation.origin = Origin.CORRECTION
    participation._change_reason = "Coordinator correction"
    participation.save()

    output = load()
    participation.refresh_from_db()
    assert participation.status == ParticipationStatus.SIGNATORY
    assert participation.origin == Origin.CORRECTION
    assert (
        "skipped (newer values kept): participations Pakistan / UNTOC: Signatory "
        "(Coordinator correction): sources, status"
    ) in output
    assert "0 changes, 1 corrections kept" in output

    output = load("--overwrite-corrections")
    participation.refresh_from_db()
    assert participation.status == ParticipationStatus.PARTY
    assert participation.date == original_date
    assert participation.origin == Origin.IMPORT
    assert "1 changes, 0 corrections kept" in output
    reasons = list(participation.history.values_list("history_change_reason", flat=True)[:2])
    assert reasons[0].startswith("load_reference: ")
    assert reasons[1] == "Coordinator correction"


@pytest.mark.django_db
def test_a_changed_file_updates_only_what_changed(tmp_path):
    for name in ("instruments", "clusters", "articles", "states", "participation", "topics"):
        text = (DATA_DIR / f"{name}.csv").read_text(encoding="utf-8")
        if name == "articles":
            text = text.replace(
                "untoc,1,Statement of purpose", "untoc,1,Statement of purpose (revised)"
            )
        (tmp_path / f"{name}.csv").write_text(text, encoding="utf-8")
    output = load("--reference-dir", str(tmp_path))
    assert "articles: 0 created, 1 updated, 106 unchanged" in output
    article = Article.objects.get(instrument__code="untoc", number=1)
    assert article.title_en == "Statement of purpose (revised)"
    assert article.history.first().history_change_reason == "load_reference: title_en"


@pytest.mark.django_db
def test_a_malformed_file_changes_nothing(tmp_path):
    for name in ("instruments", "clusters", "articles", "states", "participation", "topics"):
        (tmp_path / f"{name}.csv").write_text(
            (DATA_DIR / f"{name}.csv").read_text(encoding="utf-8"), encoding="utf-8"
        )
    broken = (tmp_path / "participation.csv").read_text(encoding="utf-8")
    (tmp_path / "participation.csv").write_text(
        broken.replace("NGA,tip,party", "NGA,tip,not-a-status"), encoding="utf-8"
    )
    title_before = Article.objects.get(instrument__code="untoc", number=1).title_en
    with pytest.raises(Exception):  # noqa: B017 - the model's own validation error
        load("--reference-dir", str(tmp_path))
    assert Participation.objects.get(state__code="NGA", instrument__code="tip").status == "party"
    assert Article.objects.get(instrument__code="untoc", number=1).title_en == title_before
