"""The one NinjaAPI object; each app contributes its own router."""

from ninja import NinjaAPI

api = NinjaAPI(
    title="complaintdesk API",
    version="1",
    description="Complaints and claims register (ISO 10002). Errors are RFC 9457 problem details.",
    urls_namespace="api",
)
