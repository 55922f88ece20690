from django.core.management.base import BaseCommand, CommandError

from palermo.submissions.models import SigningKey
from palermo.submissions.receipts import key_generate, key_retire, keys_dir


class Command(BaseCommand):
    help = (
        "List, generate or retire the Ed25519 keys that sign submission receipts. Rotate by "
        "generating a new key, then retiring the old one; retired public keys are kept, so "
        "old receipts stay verifiable."
    )

    def add_arguments(self, parser):
        parser.add_argument("--generate", action="store_true", help="Create a new signing key.")
        parser.add_argument("--retire", metavar="KEY_ID", help="Stop signing with this key.")

    def handle(self, *args, **options):
        if options["generate"]:
            key = key_generate()
            self.stdout.write(f"generated {key.key_id}; private key in {keys_dir()}")
        if options["retire"]:
            key = SigningKey.objects.filter(key_id=options["retire"]).first()
            if key is None:
                raise CommandError(f"no key {options['retire']!r}")
            key_retire(key)
            self.stdout.write(f"retired {key.key_id} (its receipts stay verifiable)")
        for key in SigningKey.objects.all():
            state = "retired" if key.retired_at else "active"
            private = (keys_dir() / f"{key.key_id}.pem").is_file()
            self.stdout.write(
                f"{key.key_id}  {state:<8} created {key.created_at:%Y-%m-%d}  "
                f"private key {'present' if private else 'absent'}  public {key.public_key}"
            )
