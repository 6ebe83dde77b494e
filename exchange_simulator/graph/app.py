"""Microsoft Graph v1.0 (calendar part) as a WSGI app, mounted under ``/v1.0/``.

Every call goes through the same gate, in Graph's order: bearer token (signature, expiry,
audience, app-only roles), ``/me`` (the signed-in user of a delegated token, refused for
app-only ones: see delegated.py), directory calls (directory_routes.py), the user and its
mailbox, the tenant's application access policy or RBAC scope (app-only) or the signed-in
user's own mailbox (delegated), the four-concurrent-requests-per-mailbox limit, injected
faults, then the route. ``$batch`` runs its members through the same gate (see batch.py).

Faults (``sim.faults.add(kind, protocol="graph", operation=..., mailbox=...)``) besides the
generic ones: ``throttle`` (429 ApplicationThrottled) and ``unavailable`` (503), both with a
Retry-After of ``retry_after`` seconds (:data:`RETRY_AFTER` when not given; ``None`` leaves
it out), ``empty_page`` (the next delta page comes back empty with a nextLink),
and the generic ``lost_answer`` / ``late_answer`` (the call is carried out, then its answer
is lost or comes after the client's time-out: see faults.py) on a whole request, ``$batch``
included (a member has no connection of its own to lose). Operation names are route templates
such as ``GET /users/{id}/calendarView/delta`` or ``POST /$batch`` (the batch itself: no
mailbox).
"""

import json
import re
import threading
import uuid
from contextlib import contextmanager, nullcontext

from .. import faults as faultmod
from ..login.directory import TokenError, directory_for
from . import (
    batch,
    contacts,
    delegated,
    delta,
    directory_routes,
    handlers,
    meeting_actions,
    subscriptions,
    translate,
)
from .request import Call, GraphError
from .transactions import Transactions

CONCURRENCY_LIMIT = 4
# Graph sends Retry-After with every 429 and 503 of the Outlook resources ("Microsoft Graph
# throttling guidance"); a fault without its own value gets this one.
RETRY_AFTER = 1
for _kind in ("throttle", "unavailable", "empty_page"):
    faultmod.register_kind(_kind)

ROUTES = [
    ("GET", r"/users/(?P<user>[^/]+)/calendarView/delta", delta.calendar_view_delta),
    ("GET", r"/users/(?P<user>[^/]+)/calendarView", delta.calendar_view),
    ("GET", r"/users/(?P<user>[^/]+)(?:/calendar)?/events", handlers.list_events),
    ("POST", r"/users/(?P<user>[^/]+)(?:/calendar)?/events", handlers.create_event),
    ("GET", r"/users/(?P<user>[^/]+)(?:/calendar)?/events/(?P<id>[^/]+)", handlers.get_event),
    ("PATCH", r"/users/(?P<user>[^/]+)(?:/calendar)?/events/(?P<id>[^/]+)", handlers.patch_event),
    ("DELETE", r"/users/(?P<user>[^/]+)(?:/calendar)?/events/(?P<id>[^/]+)", handlers.delete_event),
    (
        "GET",
        r"/users/(?P<user>[^/]+)(?:/calendar)?/events/(?P<id>[^/]+)/instances",
        handlers.instances,
    ),
    (
        "POST",
        r"/users/(?P<user>[^/]+)(?:/calendar)?/events/(?P<id>[^/]+)"
        r"/(?P<action>accept|tentativelyAccept|decline|cancel)",
        meeting_actions.action,
    ),
    ("GET", r"/users/(?P<user>[^/]+)/calendar", handlers.get_calendar),
    ("POST", r"/users/(?P<user>[^/]+)/translateExchangeIds", translate.translate_ids),
    ("GET", r"/users/(?P<user>[^/]+)", handlers.get_user),
]
ROUTES = contacts.ROUTES + ROUTES  # before "/users/{id}", which would take their paths
ROUTES = [(m, re.compile("^%s$" % p, re.IGNORECASE), h) for m, p, h in ROUTES]


def operation_name(method, path):
    """The route template of a path, for the journal and fault matching."""
    template = re.sub(r"^/users/[^/]+", "/users/{id}", path)
    template = re.sub(r"/events/[^/]+", "/events/{id}", template)
    template = re.sub(r"/(contactFolders|contacts)/(?!delta)[^/]+", r"/\1/{id}", template)
    return "%s %s" % (method, template)


class GraphApp:
    def __init__(self, simulator):
        self.sim = simulator
        self.directory = directory_for(simulator)
        self._lock = threading.Lock()
        self._in_flight = {}
        self.views = delta.ViewCache(simulator.store)
        self.batch_order, self.batch_lock = batch.shuffler(simulator), threading.Lock()
        self.transactions = Transactions(simulator.store)

    # -- WSGI ------------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        entry = environ["simulator.entry"]
        path = environ.get("PATH_INFO", "")[len("/v1.0") :] or "/"
        base = "%s://%s" % (environ.get("wsgi.url_scheme", "http"), environ.get("HTTP_HOST"))
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        raw = environ["wsgi.input"].read(length) if length else b""
        headers = {k[5:].replace("_", "-"): v for k, v in environ.items() if k.startswith("HTTP_")}
        if "CONTENT_TYPE" in environ:
            headers["content-type"] = environ["CONTENT_TYPE"]
        method = environ["REQUEST_METHOD"]
        entry.operation = operation_name(method, path)
        try:
            call = Call.parse(method, path, environ.get("QUERY_STRING", ""), headers, raw)
            claims = self.authenticate(call, base)
            entry.user = claims.get("appid", "")
            if path == "/$batch" and method == "POST":
                fault = self.sim.faults.take("graph", entry.operation, None)
                if fault is not None:
                    entry.fault = fault.kind
                    self.raise_fault(fault, environ, False)
                status, body, extra = batch.run(self, call, claims, base, entry, environ)
            else:
                status, body, extra = self.handle(call, claims, base, entry, environ)
        except GraphError as exc:
            status, body, extra = exc.status, exc.body(self.sim.store.clock.now()), exc.headers
            entry.errors.append(exc.code)
        return self.respond(start_response, status, body, extra)

    @staticmethod
    def respond(start_response, status, body, extra):
        data = b"" if body is None else json.dumps(body).encode()
        headers = [("Content-Length", str(len(data))), ("request-id", str(uuid.uuid4()))]
        if body is not None:
            headers.append(("Content-Type", "application/json; odata.metadata=minimal"))
        start_response("%d %s" % (status, _REASONS.get(status, "Status")), headers + list(extra))
        return [data]

    # -- the gate --------------------------------------------------------------------------

    def authenticate(self, call, base):
        auth = call.headers.get("authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        audiences = self.directory.resources | {base, base + "/"}
        audiences |= {u for u in (self.sim.http_url, self.sim.https_url) if u}
        try:
            claims = self.directory.verify(token, audiences)
        except TokenError as exc:
            extra = [("WWW-Authenticate", 'Bearer realm="", error="invalid_token"')]
            raise GraphError(exc.status, exc.code, exc.message, extra) from None
        calendar = not contacts.is_contacts_path(call.path)  # contacts: checked per route
        if (
            calendar
            and claims.get("idtyp") == "app"
            and "Calendars.ReadWrite" not in claims["roles"]
        ):
            raise GraphError(
                403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."
            )
        return claims

    def handle(self, call, claims, base, entry, environ=None, inner=False, hold=None):
        """(status, body, headers) of one call that passed authentication.

        ``hold`` (an ExitStack) keeps the call's slot of the mailbox's concurrency limit taken
        until the stack closes: $batch members that Graph runs side by side hold theirs
        together (see batch.py)."""
        if subscriptions.matches(call.path):  # change notifications: see subscriptions.py
            return subscriptions.subscriptions_for(self.sim).handle(self, call, claims, base, entry)
        delegated.rewrite_me(call, claims)  # /me: the signed-in user (delegated tokens only)
        call.claims = claims
        routed = directory_routes.route(self, call, claims, base)
        if routed is not None:
            return routed
        for method, pattern, handler in ROUTES:  # noqa: B007 (used after the loop)
            match = pattern.match(call.path)
            if match and method == call.method:
                break
        else:
            raise GraphError(
                400 if any(p.match(call.path) for _, p, _ in ROUTES) else 404,
                "BadRequest"
                if any(p.match(call.path) for _, p, _ in ROUTES)
                else "ResourceNotFound",
                "Unsupported request: %s %s." % (call.method, call.path),
            )
        contacts.check_role(call.path, claims)
        smtp = self.mailbox(
            match.group("user"), claims, call.method, contacts.is_contacts_path(call.path)
        )
        entry.mailbox = entry.mailbox or smtp
        call.view.mailbox, call.view.mailbox_name = smtp, self.sim.store.display_name(smtp)
        call.applied_prefs = list(call.applied)
        slot = self.concurrency(claims.get("appid", ""), smtp)
        with slot if hold is None else nullcontext(hold.enter_context(slot)):
            fault = self.sim.faults.take("graph", operation_name(call.method, call.path), smtp)
            if fault is not None:
                entry.fault = fault.kind
                self.raise_fault(fault, environ, inner)
            ctx = handlers.Context(self, call, smtp, match.groupdict(), base, entry, fault)
            status, body, extra = handler(ctx)
        if call.applied:
            extra = [*extra, ("Preference-Applied", ", ".join(call.applied))]
        return status, body, extra

    def mailbox(self, user, claims, method="GET", contacts_call=False):
        """The SMTP address of the mailbox the call addresses, or the error Graph gives."""
        seed_user = self.sim.seed.find_user(user)
        if seed_user is None:
            seed_user = next(
                (u for u in self.sim.seed.users if handlers.object_id(u.smtp) == user.lower()),
                None,
            )
        tenant = self.directory.find_tenant(claims.get("tid", ""))
        domain = (seed_user.smtp.split("@")[-1].lower()) if seed_user else ""
        if (
            seed_user is None
            or tenant is None
            or (tenant.get("domains") and domain not in [d.lower() for d in tenant["domains"]])
        ):
            raise GraphError(404, "ErrorInvalidUser", "The requested user '%s' is invalid." % user)
        if not seed_user.mailbox or not self.sim.store.has_mailbox(seed_user.smtp):
            raise GraphError(
                404,
                "MailboxNotEnabledForRESTAPI",
                "The mailbox is either inactive, soft-deleted, or is hosted on-premise.",
            )
        if delegated.is_delegated(claims):
            delegated.check_mailbox(claims, seed_user, method, contacts_call)
            return seed_user.smtp
        if not self.directory.mailbox_allowed(claims.get("appid", ""), seed_user.smtp):
            raise GraphError(
                403,
                "ErrorAccessDenied",
                "Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly "
                "AccessPolicy settings.",
            )
        if not self.directory.in_rbac_scope(claims.get("appid", ""), seed_user.smtp):
            raise GraphError(403, "ErrorAccessDenied", delegated.DENIED)
        return seed_user.smtp

    @contextmanager
    def concurrency(self, app_id, smtp):
        key = (app_id, smtp.lower())
        with self._lock:
            if self._in_flight.get(key, 0) >= CONCURRENCY_LIMIT:
                raise GraphError(
                    429,
                    "ApplicationThrottled",
                    "Application is over its MailboxConcurrency limit.",
                    [("Retry-After", str(RETRY_AFTER))],
                )
            self._in_flight[key] = self._in_flight.get(key, 0) + 1
        try:
            yield
        finally:
            with self._lock:
                self._in_flight[key] -= 1

    def raise_fault(self, fault, environ, inner):
        # retry_after=None leaves the header out: what another service might do, never Outlook.
        retry = fault.params.get("retry_after", RETRY_AFTER)
        extra = [("Retry-After", str(retry))] if retry is not None else []
        if fault.kind == "throttle":
            raise GraphError(
                429, "ApplicationThrottled", "Application is over its MailboxConcurrency limit.",
                extra,
            )  # fmt: skip
        if fault.kind == "unavailable" or (inner and fault.kind == "reset"):
            raise GraphError(
                503, "ServiceUnavailable", "The service is temporarily unavailable.", extra
            )
        if fault.kind == "http_status":
            status = int(fault.params.get("status", 500))
            raise GraphError(
                status, fault.params.get("code", "generalException"),
                fault.params.get("body") or "The server failed to answer.",
                list(fault.params.get("headers", {}).items()),
            )  # fmt: skip
        if fault.kind == "reset":
            faultmod.reset_connection(environ)
        if fault.kind in ("slow", "lost_answer", "late_answer"):
            faultmod.apply_generic(fault, environ, None)


def make_app(simulator):
    return GraphApp(simulator)


_REASONS = {
    200: "OK",
    201: "Created",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    410: "Gone",
    412: "Precondition Failed",
    424: "Failed Dependency",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
