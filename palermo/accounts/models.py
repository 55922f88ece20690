from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """A person. People sign in with their e-mail address; there are no usernames, so
    nothing else identifies them on the hub unless they choose a display name."""

    username = None
    email = models.EmailField(_("e-mail address"), unique=True)
    display_name = models.CharField(
        _("display name"),
        max_length=120,
        blank=True,
        help_text=_("How others on the hub see you. Leave blank to stay unnamed."),
    )
    # Bumped by "log out other sessions": a session remembers the epoch it was opened in
    # and is ended when they differ (see palermo/accounts/middleware.py).
    session_epoch = models.PositiveIntegerField(default=0, editable=False)
    is_demo = models.BooleanField(_("demo account"), default=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []
    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.display_name or self.email

    @property
    def public_name(self) -> str:
        """A name safe to show to other people: never the e-mail address."""
        return self.display_name or str(_("A hub member"))
