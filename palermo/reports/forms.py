from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from palermo.common.text import validate_plain_text, validate_single_line
from palermo.reference.models import Cluster, State
from palermo.reports.enums import FeedbackKind, ReportKind
from palermo.reviews.calendar import review_today


class SnapshotForm(forms.Form):
    """A coordinator publishes a new edition of a report."""

    kind = forms.ChoiceField(label=_("Report"), choices=ReportKind.choices)
    state = forms.CharField(
        label=_("State (ISO3 code, for a country brief)"), required=False, max_length=3
    )
    cluster = forms.CharField(
        label=_("Cluster (numeral, for a cluster synthesis)"), required=False, max_length=4
    )
    phase = forms.IntegerField(
        label=_("Review phase (for a country brief; default: the current one)"),
        required=False,
        min_value=1,
        max_value=30,
    )
    note = forms.CharField(
        label=_("Editor's note (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[validate_plain_text],
    )

    def clean_state(self):
        code = self.cleaned_data["state"].strip().upper()
        if not code:
            return None
        state = State.objects.filter(code=code).first()
        if state is None:
            raise ValidationError(_("No State has the code “%(code)s”."), params={"code": code})
        return state

    def clean_cluster(self):
        numeral = self.cleaned_data["cluster"].strip().upper()
        if not numeral:
            return None
        cluster = Cluster.objects.filter(numeral=numeral).first()
        if cluster is None:
            raise ValidationError(_("No cluster has the numeral “%(n)s”."), params={"n": numeral})
        return cluster

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if (
            kind == ReportKind.COUNTRY_BRIEF
            and not data.get("state")
            and "state" not in self.errors
        ):
            self.add_error("state", _("A country brief needs a State."))
        state, phase = data.get("state"), data.get("phase")
        if (
            kind == ReportKind.COUNTRY_BRIEF
            and state
            and phase
            and not state.reviews.filter(phase__number=phase).exists()
        ):
            self.add_error("phase", _("This State has no review in that phase."))
        if (
            kind == ReportKind.CLUSTER_SYNTHESIS
            and not data.get("cluster")
            and "cluster" not in self.errors
        ):
            self.add_error("cluster", _("A cluster synthesis needs a cluster."))
        return data


class FeedbackForm(forms.Form):
    """Where a recommendation was later cited or acted on."""

    kind = forms.ChoiceField(label=_("Where"), choices=FeedbackKind.choices)
    title = forms.CharField(label=_("Document"), max_length=300, validators=[validate_single_line])
    url = forms.URLField(
        label=_("Address (URL)"),
        max_length=500,
        assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"])],
    )
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(
        label=_("What it says (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[validate_plain_text],
    )

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > review_today():
            raise ValidationError(_("The date cannot be in the future."))
        if date.year < 2020:
            raise ValidationError(_("The review mechanism began in 2020; check the date."))
        return date
