"""The address people are sent to (e-mails, tracking links, printed logins) from the address the
server listens on, when no SITE_URL is configured."""


def site_url_for_bind(bind: str) -> str:
    """http://host:port for gunicorn's --bind ("host:port", ":port" or "port"). A server that
    listens on every interface is reached on this machine at the loopback address; anything
    public needs SITE_URL set to its real name."""
    host, _, port = bind.rpartition(":")
    if not host and bind.isdigit():
        host, port = "", bind
    if host in ("", "0.0.0.0", "*"):
        host = "127.0.0.1"
    elif host in ("[::]", "::"):
        host = "[::1]"
    return f"http://{host}:{port}" if port else f"http://{host}"
