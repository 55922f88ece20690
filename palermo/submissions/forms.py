import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from palermo.common.text import validate_plain_text
from palermo.reference.models import Article, State
from palermo.submissions.enums import IdentityTier
from palermo.submissions.models import Recommendation, Submission, SubmissionSource


def new_form_token() -> str:
    """A form's one-time token (see FormToken): a fresh one for every form and autosave."""
    return uuid.uuid4().hex


class IdsField(forms.ModelMultipleChoiceField):
    """A multiple choice of database rows that refuses ids outside the 64-bit range before it
    queries: Django checks them one by one with lazy (never run) filters, then runs `pk__in`,
    where SQLite raises OverflowError on a huge number: a server error instead of a message."""

    def _check_values(self, value):
        for pk in value:
            try:
                number = int(str(pk))
            except ValueError:
                continue  # the parent answers "… is not a valid value."
            if not -(2**63) <= number < 2**63:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)


class SubmissionForm(forms.ModelForm):
    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    form_token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    class Meta:
        model = Submission
        fields = [
            "state",
            "cluster",
            "instruments",
            "articles",
            "title",
            "summary",
            "law",
            "practice",
            "language",
            "tier",
            "show_authors",
            "embargo_until",
            "signon_deadline",
        ]
        field_classes = {"instruments": IdsField, "articles": IdsField}
        widgets = {
            "instruments": forms.CheckboxSelectMultiple,
            "articles": forms.SelectMultiple(attrs={"size": 10}),
            "summary": forms.Textarea(attrs={"rows": 4}),
            "law": forms.Textarea(attrs={"rows": 10}),
            "practice": forms.Textarea(attrs={"rows": 10}),
            "tier": forms.RadioSelect,
            "embargo_until": forms.DateInput(attrs={"type": "date"}),
            "signon_deadline": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].queryset = State.objects.order_by("name")
        self.fields["articles"].queryset = Article.objects.select_related("instrument")
        if "tier" in self.fields:
            self.fields["tier"].choices = [
                choice
                for choice in self.fields["tier"].choices
                if choice[0] != IdentityTier.ANONYMOUS
            ]
        if not self.is_bound:
            self.initial.setdefault("form_token", new_form_token())
        if self.instance.pk:
            self.initial.setdefault("base_version", self.instance.version)
            # The State is fixed once the draft exists: a submission addresses one review.
            self.fields["state"].disabled = True

    def clean(self):
        cleaned = super().clean()
        articles, instruments = cleaned.get("articles"), cleaned.get("instruments")
        if articles and instruments is not None:
            outside = [a for a in articles if a.instrument not in instruments]
            if outside:
                self.add_error(
                    "articles",
                    _("These articles belong to instruments you did not select: %(list)s.")
                    % {"list": ", ".join(str(a) for a in outside)},
                )
        return cleaned

    def submission_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class _RowMixin:
    """A formset row counts as filled only when its main field is: a blank extra row whose
    select boxes still show their defaults is ignored, not an error."""

    key_field = ""

    def has_changed(self):
        return bool(str(self[self.key_field].value() or "").strip())


class RecommendationForm(_RowMixin, forms.ModelForm):
    key_field = "text"

    class Meta:
        model = Recommendation
        fields = ["text", "addressee", "priority", "articles"]
        field_classes = {"articles": IdsField}
        widgets = {
            "text": forms.Textarea(attrs={"rows": 3}),
            "articles": forms.SelectMultiple(attrs={"size": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["articles"].queryset = Article.objects.select_related("instrument")


class _WebAddressField(forms.URLField):
    # In place of URLField's own validator, not beside it: one "Enter a valid URL.", not two.
    default_validators = [URLValidator(schemes=["http", "https"])]


class SourceForm(_RowMixin, forms.ModelForm):
    key_field = "title"
    url = _WebAddressField(
        label=_("Address (URL)"),
        required=False,
        max_length=500,
        assume_scheme="https",
        # URLValidator lets bidi controls through (in the path, and in the host, where it allows
        # any non-ASCII character), and the address is shown in the versions' diff.
        validators=[validate_plain_text],
    )

    class Meta:
        model = SubmissionSource
        fields = ["title", "url", "date", "kind"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"})}


class _RowsFormSet(forms.BaseFormSet):
    """Django accepts a negative TOTAL_FORMS and quietly drops every row; that is a damaged
    (or forged) form, and the person must be told, not lose their recommendations."""

    def full_clean(self):
        super().full_clean()
        management = self.management_form
        if self.is_bound and management.is_valid() and management.cleaned_data["TOTAL_FORMS"] < 0:
            self._non_form_errors.append(
                forms.ValidationError(
                    self.error_messages["missing_management_form"],
                    params={"field_names": "TOTAL_FORMS"},
                    code="missing_management_form",
                )
            )


# absolute_max = max_num: otherwise Django builds (and the page renders) up to max_num + 1000
# rows when a post claims TOTAL_FORMS=1000000, about a minute of work for one small request.
RecommendationFormSet = forms.formset_factory(
    RecommendationForm,
    formset=_RowsFormSet,
    extra=2,
    max_num=50,
    absolute_max=50,
    validate_max=True,
)
SourceFormSet = forms.formset_factory(
    SourceForm,
    formset=_RowsFormSet,
    extra=2,
    max_num=100,
    absolute_max=100,
    validate_max=True,
)


def rows(formset) -> list[dict]:
    """The filled rows of a formset; blank extra rows are skipped."""
    return [
        form.cleaned_data
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


def initial_recommendations(submission) -> list[dict]:
    return [
        {
            "text": r.text,
            "addressee": r.addressee,
            "priority": r.priority,
            "articles": list(r.articles.all()),
        }
        for r in submission.recommendations.all()
    ]


def initial_sources(submission) -> list[dict]:
    return [
        {"title": s.title, "url": s.url, "date": s.date, "kind": s.kind}
        for s in submission.sources.all()
    ]


class TransitionForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        validators=[validate_plain_text],
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class AnonymousSubmissionForm(SubmissionForm):
    """The same content, without the choices that only make sense for an organization."""

    class Meta(SubmissionForm.Meta):
        fields = [
            "state",
            "cluster",
            "instruments",
            "articles",
            "title",
            "summary",
            "law",
            "practice",
            "language",
        ]


class ReturnForm(forms.Form):
    reference = forms.CharField(label=_("Submission reference (e.g. S-2026-0042)"), max_length=16)
    passphrase = forms.CharField(
        label=_("Passphrase"), max_length=200, widget=forms.PasswordInput(render_value=False)
    )
