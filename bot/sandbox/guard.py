"""Who may use the sandbox's page: the browser showing it, on this machine, and nobody else.

Every request to the page and its API must name this server in ``Host`` (127.0.0.1, localhost
or [::1], with the port): a site that points its own name at 127.0.0.1 (DNS rebinding) sends
its name, and is refused. A request that changes something must come from the page itself:
its ``Origin`` is the page's own, or it has no Origin (not a browser: curl, the tests) and a
JSON body, which no other site's page can send here without a CORS preflight that this server
never approves. Browsers also say where a request comes from (``Sec-Fetch-Site``): another site
may link to the page, but not read or embed what it serves.
"""

from __future__ import annotations

from aiohttp import web

LOOPBACK = ("127.0.0.1", "localhost", "[::1]")
SAFE_METHODS = frozenset({"GET", "HEAD"})


def allowed_hosts(port: int) -> frozenset[str]:
    """The ``Host`` values this page answers: the loopback names with the port."""
    hosts = {f"{name}:{port}" for name in LOOPBACK}
    if port == 80:
        hosts.update(LOOPBACK)
    return frozenset(hosts)


def refusal(request: web.Request, port: int) -> str | None:
    """Why ``request`` is refused (a sentence for the 403), or None when it may go on."""
    host = request.headers.get("Host", "").lower()
    if host not in allowed_hosts(port):
        return (f"Forbidden: the sandbox answers only at http://127.0.0.1:{port}/ "
                f"(this request was for {host or 'no host'}).")
    origin = request.headers.get("Origin")
    if origin is not None and origin.lower() != f"http://{host}":
        return f"Forbidden: only the sandbox's own page may do this (not {origin})."
    site = request.headers.get("Sec-Fetch-Site")
    navigation = (request.method in SAFE_METHODS
                  and request.headers.get("Sec-Fetch-Mode") == "navigate")
    if site in ("cross-site", "same-site") and not navigation:
        return "Forbidden: another site's page may link here, not use the sandbox."
    if request.method not in SAFE_METHODS and origin is None \
            and request.content_type != "application/json":
        return "Forbidden: send JSON (Content-Type: application/json), as the page does."
    return None


def guarded(handler, port: int):
    """``handler`` behind :func:`refusal`: a 403 with a short sentence when refused."""

    async def guard(request: web.Request) -> web.StreamResponse:
        why = refusal(request, port)
        if why is not None:
            return web.Response(status=403, text=why)
        return await handler(request)

    return guard
