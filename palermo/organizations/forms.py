from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from palermo.common.images import clean_logo
from palermo.common.text import validate_plain_text, validate_single_line
from palermo.organizations.enums import Language, MemberRole, VerificationStatus
from palermo.organizations.models import ExpertProfile, Organization
from palermo.reference.models import Article, State

_HTTP_ONLY = URLValidator(schemes=["http", "https"])


class HttpUrlField(forms.URLField):
    """A URL field that accepts http and https only. It replaces URLField's default
    validator instead of adding a second one, so a bad address gets one error, not two."""

    default_validators = [_HTTP_ONLY]


class OrganizationForm(forms.ModelForm):
    website = HttpUrlField(
        label=_("Website"),
        required=False,
        max_length=300,
        assume_scheme="https",
    )
    languages = forms.MultipleChoiceField(
        label=_("Working languages"),
        choices=Language.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    logo_file = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_(
            "PNG, JPEG, WebP or GIF, at most 2 MB. We re-encode it and remove "
            "hidden metadata such as location."
        ),
    )

    class Meta:
        model = Organization
        fields = [
            "name",
            "name_latin",
            "kind",
            "headquarters",
            "countries",
            "regions",
            "languages",
            "instruments",
            "articles",
            "topics",
            "ecosoc_status",
            "website",
            "description",
            "is_listed",
            "require_mfa",
        ]
        widgets = {
            "regions": forms.CheckboxSelectMultiple,
            "instruments": forms.CheckboxSelectMultiple,
            "topics": forms.CheckboxSelectMultiple,
            "countries": forms.SelectMultiple(attrs={"size": 8}),
            "articles": forms.SelectMultiple(attrs={"size": 8}),
            "description": forms.Textarea(attrs={"rows": 8}),
        }

    OWNER_ONLY = ("is_listed", "require_mfa")

    def __init__(self, *args, is_owner: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not is_owner:
            # Making the organization public, or binding every member to a second factor,
            # is the owners' decision.
            for name in self.OWNER_ONLY:
                del self.fields[name]
        self.fields["headquarters"].queryset = State.objects.order_by("name")
        self.fields["countries"].queryset = State.objects.order_by("name")
        self.fields["articles"].queryset = Article.objects.select_related("instrument")
        self.removed_metadata: list[str] = []

    def clean_logo_file(self):
        upload = self.cleaned_data.get("logo_file")
        if not upload:
            return None
        data = upload.read(2_000_001)
        image = clean_logo(data)
        self.removed_metadata = image.removed_metadata
        return image

    def profile_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields if name in self.fields}
        data["logo"] = self.cleaned_data.get("logo_file")
        return data


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices, initial=MemberRole.MEMBER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices)


class DecisionForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (VerificationStatus.VERIFIED, _("Verify")),
            (VerificationStatus.REJECTED, _("Reject")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason (the organization sees it)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[validate_plain_text],
    )


class ExpertProfileForm(forms.ModelForm):
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=Language.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = ExpertProfile
        fields = [
            "is_published",
            "name",
            "headline",
            "affiliation",
            "bio",
            "instruments",
            "articles",
            "topics",
            "regions",
            "languages",
            "availability",
        ]
        widgets = {
            "instruments": forms.CheckboxSelectMultiple,
            "topics": forms.CheckboxSelectMultiple,
            "regions": forms.CheckboxSelectMultiple,
            "articles": forms.SelectMultiple(attrs={"size": 8}),
            "bio": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["articles"].queryset = Article.objects.select_related("instrument")


class ExpertContactForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=150, validators=[validate_single_line])
    message = forms.CharField(
        label=_("Message"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 8}),
        validators=[validate_plain_text],
    )

    def clean_message(self):
        message = self.cleaned_data["message"]
        if len(message.strip()) < 20:
            raise ValidationError(_("Say a little more (at least 20 characters)."))
        return message
