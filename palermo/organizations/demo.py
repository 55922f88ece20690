"""Demo organizations, members and experts, all marked demo (names say so too)."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import get_user_model
from django.db import transaction

from palermo.common.text import name_skeleton
from palermo.organizations.enums import (
    Availability,
    EcosocStatus,
    MemberRole,
    OrganizationType,
    VerificationStatus,
)
from palermo.organizations.models import ExpertProfile, Membership, Organization
from palermo.reference.models import Article, Instrument, RegionalGroup, State, Topic
from palermo.reviews.roles import ensure_coordinators_group

DEMO_PASSWORD = "demo-password-not-for-real-use"
# A fixed secret so the printed value works in any authenticator app; demo only.
DEMO_TOTP_SECRET = "PALERMOHUBDEMOCOORDINATORTOTP234"

DEMO_USERS = [
    # email, display name, coordinator?
    ("coordinator@example.org", "Demo Coordinator", True),
    ("owner@example.org", "Demo Owner", False),
    ("editor@example.org", "Demo Editor", False),
    ("member@example.org", "Demo Member", False),
    ("expert@example.org", "Demo Expert", False),
]

DEMO_ORGANIZATIONS = [
    {
        "slug": "demo-observatorio-palermo",
        "name": "Observatorio Palermo (demo)",
        "name_latin": "",
        "kind": OrganizationType.NGO,
        "headquarters": "MEX",
        "countries": ["MEX", "GTM"],
        "regions": ["latin-american-caribbean"],
        "languages": ["es", "en"],
        "instruments": ["untoc", "tip"],
        "articles": [("untoc", 5), ("tip", 5)],
        "topics": ["human-trafficking", "extortion-and-protection-racketeering"],
        "ecosoc": EcosocStatus.SPECIAL,
        "status": VerificationStatus.VERIFIED,
        "listed": True,
        "description": "**Demo organization.** Monitors how Mexico applies the Convention "
        "and the trafficking protocol, with field data from shelters.",
        "members": [
            ("owner@example.org", MemberRole.OWNER),
            ("editor@example.org", MemberRole.EDITOR),
            ("member@example.org", MemberRole.MEMBER),
        ],
    },
    {
        "slug": "demo-sahel-network",
        "name": "Sahel Anti-Trafficking Network (demo)",
        "name_latin": "",
        "kind": OrganizationType.NETWORK,
        "headquarters": "NER",
        "countries": ["NER", "NGA", "MLI"],
        "regions": ["african"],
        "languages": ["fr", "ha", "en"],
        "instruments": ["tip", "som"],
        "articles": [("som", 6)],
        "topics": ["human-smuggling", "human-trafficking"],
        "ecosoc": EcosocStatus.NONE,
        "status": VerificationStatus.VERIFIED,
        "listed": True,
        "description": "**Demo network** of community organizations along migration routes.",
        "members": [("owner@example.org", MemberRole.OWNER)],
    },
    {
        "slug": "demo-centr-issledovaniy",
        "name": "Центр исследований (демо)",
        "name_latin": "Tsentr issledovaniy (demo)",
        "kind": OrganizationType.ACADEMIA,
        "headquarters": "ARM",
        "countries": ["ARM"],
        "regions": ["eastern-european"],
        "languages": ["ru", "en"],
        "instruments": ["firearms"],
        "articles": [],
        "topics": ["arms-trafficking"],
        "ecosoc": EcosocStatus.NONE,
        "status": VerificationStatus.PENDING,
        "listed": False,
        "description": "Demo research centre awaiting verification.",
        "members": [("editor@example.org", MemberRole.OWNER)],
    },
]


def _user(email: str, name: str, coordinator: bool, done: list[str]):
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        email=email, defaults={"display_name": name, "is_demo": True, "is_staff": coordinator}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
        done.append(f"demo user: {email}")
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    if coordinator:
        user.groups.add(ensure_coordinators_group())
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, DEMO_TOTP_SECRET)
            done.append(f"demo TOTP authenticator for {email}")
    return user


@transaction.atomic
def demo_organizations_seed() -> list[str]:
    done: list[str] = []
    users = {
        email: _user(email, name, coordinator, done) for email, name, coordinator in DEMO_USERS
    }
    for spec in DEMO_ORGANIZATIONS:
        org, created = Organization.objects.get_or_create(
            slug=spec["slug"],
            defaults={
                "name": spec["name"],
                "name_latin": spec["name_latin"],
                "name_skeleton": name_skeleton(spec["name"]),
                "kind": spec["kind"],
                "headquarters": State.objects.get(code=spec["headquarters"]),
                "languages": spec["languages"],
                "ecosoc_status": spec["ecosoc"],
                "verification_status": spec["status"],
                "is_listed": spec["listed"],
                "description": spec["description"],
                "is_demo": True,
                "created_by": users["owner@example.org"],
            },
        )
        if not created:
            continue
        org.countries.set(State.objects.filter(code__in=spec["countries"]))
        org.regions.set(RegionalGroup.objects.filter(code__in=spec["regions"]))
        org.instruments.set(Instrument.objects.filter(code__in=spec["instruments"]))
        org.topics.set(Topic.objects.filter(code__in=spec["topics"]))
        org.articles.set(
            [Article.objects.get(instrument__code=i, number=n) for i, n in spec["articles"]]
        )
        for email, role in spec["members"]:
            Membership.objects.create(organization=org, user=users[email], role=role)
        done.append(f"demo organization: {org.name}")
    expert_user = users["expert@example.org"]
    if not ExpertProfile.objects.filter(user=expert_user).exists():
        profile = ExpertProfile.objects.create(
            user=expert_user,
            is_published=True,
            is_demo=True,
            name="Demo Expert",
            headline="Demo: lawyer for survivors of trafficking, West Africa",
            affiliation="Demo legal clinic",
            availability=Availability.LIMITED,
            bio="*Demo profile.* Ten years of casework on trafficking prosecutions.",
            languages=["en", "fr"],
        )
        profile.instruments.set(Instrument.objects.filter(code__in=["tip", "untoc"]))
        profile.topics.set(Topic.objects.filter(code="human-trafficking"))
        profile.regions.set(RegionalGroup.objects.filter(code="african"))
        done.append("demo expert profile")
    return done


def demo_logins() -> list[str]:
    return [
        f"  {email:<26} {DEMO_PASSWORD}"
        + (f"   (coordinator; TOTP secret {DEMO_TOTP_SECRET})" if coordinator else "")
        for email, _name, coordinator in DEMO_USERS
    ]


@transaction.atomic
def demo_organizations_remove() -> int:
    removed = Organization.objects.filter(is_demo=True).delete()[0]
    removed += get_user_model().objects.filter(is_demo=True).delete()[0]
    return removed
