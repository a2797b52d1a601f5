from django.core.management.base import BaseCommand, CommandError

from complaintdesk.accounts.models import ApiToken, AuditEntry, User


class Command(BaseCommand):
    help = "Create an API bearer token for a user; the token is printed once."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="cli")

    def handle(self, *args, username, name, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named '{username}'.")
        token, raw = ApiToken.issue(user=user, name=name)
        AuditEntry.objects.create(actor=None, actor_label="cli", action="token.created",
                                  detail={"user": username, "prefix": token.prefix})
        self.stdout.write(raw)
