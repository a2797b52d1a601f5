import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "complaintdesk.settings")
application = get_wsgi_application()

if os.environ.get("COMPLAINTDESK_WARM_MODELS", "1") == "1":
    # Load the triage model before serving (before gunicorn forks, with --preload), so the
    # first request of each worker does not pay seconds for it.
    from complaintdesk.triage.kind import get_default_model

    get_default_model()
