import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from complaintdesk.cases.worker import default_worker_id, run_pass


class Command(BaseCommand):
    help = "Deliver messages and act on deadlines; runs forever (or --once). Start as many as you like."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one pass, then exit")
        parser.add_argument("--interval", type=float,
                            default=settings.COMPLAINTDESK["WORKER_INTERVAL_SECONDS"])
        parser.add_argument("--batch", type=int, default=100)
        parser.add_argument("--worker-id", default="")

    def handle(self, *args, once, interval, batch, worker_id, **options):
        worker_id = worker_id or default_worker_id()
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while True:
            close_old_connections()
            report = run_pass(worker_id=worker_id, batch=batch)
            if report.did_work:
                self.stdout.write(
                    f"{worker_id}: sent {report.sent}, failed {report.failed}, "
                    f"deadline steps {len(report.sla_steps)}"
                )
            if once or stopping:
                return
            # A full batch means more is waiting: go again at once.
            if len(report.sla_steps) < batch and report.sent + report.failed < batch:
                slept = 0.0
                while slept < interval and not stopping:
                    time.sleep(0.2)
                    slept += 0.2
            if stopping:
                return
