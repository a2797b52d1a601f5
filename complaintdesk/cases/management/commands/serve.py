import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from complaintdesk.lib.site import site_url_for_bind


def child_env(*, bind: str) -> dict[str, str]:
    """The environment of gunicorn and the worker. Unless SITE_URL is configured, links in
    e-mails and pages follow the address served (`--bind 127.0.0.1:8101` → :8101)."""
    env = dict(os.environ)
    if not settings.SITE_URL_CONFIGURED:
        env["SITE_URL"] = site_url_for_bind(bind)
    return env


class Command(BaseCommand):
    help = "Serve the app with gunicorn (a production WSGI server), optionally with a worker."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=settings.BIND)
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "3")))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", "12")))
        parser.add_argument("--with-worker", action="store_true",
                            help="also run one background worker (single-machine setups)")
        parser.add_argument("--no-migrate", action="store_true")

    def handle(self, *args, bind, workers, threads, with_worker, no_migrate, **options):
        if not no_migrate:
            call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
        env = child_env(bind=bind)
        helper = None
        if with_worker:
            helper = subprocess.Popen([sys.executable, "-m", "complaintdesk", "worker"], env=env)
        argv = [
            sys.executable, "-m", "gunicorn", "complaintdesk.wsgi:application",
            "--bind", bind, "--workers", str(workers), "--threads", str(threads),
            "--access-logfile", "-", "--graceful-timeout", "10", "--preload",
        ]
        self.stdout.write(f"Serving on {site_url_for_bind(bind)}/ (Ctrl+C stops); links in "
                          f"messages point to {env.get('SITE_URL', settings.SITE_URL)}/")
        # Threads of one worker process share a writer that registers their cases together.
        server = subprocess.Popen(argv, env={"API_CREATE_BATCHING": "true", **env})
        # A service manager stops us with SIGTERM: pass it on so gunicorn finishes its requests
        # and exits instead of being orphaned on the port.
        signal.signal(signal.SIGTERM, lambda signum, frame: server.terminate())
        try:
            server.wait()
        except KeyboardInterrupt:
            server.wait(timeout=15)  # the terminal sent gunicorn the same Ctrl+C
        finally:
            if helper is not None:
                helper.terminate()
                helper.wait(timeout=15)
