import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "complaintdesk.settings")
application = get_wsgi_application()

from django.conf import settings  # noqa: E402 - configured by get_wsgi_application()

if settings.WARM_UP:
    # Before gunicorn forks (--preload): URLconf, catalogues, templates and triage models are
    # loaded once here, so no worker's first request pays seconds for them.
    from complaintdesk.lib.warm import warm_up

    warm_up()
