"""WSGI entry of the EWS front end, mounted at ``/EWS/`` by the simulator's dispatcher.

One request goes: authentication (Basic / NTLM) -> SOAP parsing -> schema validation of the
header and body elements -> server version and impersonation checks -> injected faults ->
the operation handler -> schema validation of the answer (against the schema version the
request names; an answer outside it is a simulator bug, answered as a server error and never
sent) -> envelope with ServerVersionInfo.
Every step reports into the request's journal entry.

Environment: ``EWS_SIM_TRACE=1`` prints every request and answer body (debugging aid).
"""

import logging
import os
from dataclasses import dataclass
from datetime import timezone
from pathlib import Path

from lxml import etree

from ..faults import apply_generic
from ..schema import validator
from ..zones import UnknownTimeZone, zone
from . import operations, versions
from .auth import Unauthorized, authenticate, publish_ntlm_users
from .soap import API_ORDER, SOAP, EwsFault, envelope, serialize, t

_logger = logging.getLogger(__name__)
TRACE = bool(os.environ.get("EWS_SIM_TRACE"))
MAILBOXLESS = {"ConvertId", "ResolveNames"}
# Every answer any simulator of this process built outside the schema (operation, problems):
# the test suites fail on a new entry (tests/simulator/conftest.py, tests/backends/conftest.py).
BROKEN_ANSWERS = []


@dataclass
class Context:
    """What an operation handler knows about its request."""

    simulator: object
    store: object
    mailbox: str
    version: str  # the server's version (seed)
    requested_version: str
    tz: object  # zone of the TimeZoneContext header (for datetimes without an offset)
    user: object  # the authenticated seed user
    entry: object  # the journal entry


class EwsApp:
    def __init__(self, simulator):
        self.simulator = simulator
        self.validator = validator()
        # Every answer the simulator produced that broke the schema (a simulator bug).
        self.invalid_answers = []
        publish_ntlm_users(simulator.seed)

    def __call__(self, environ, start_response):
        entry = environ["simulator.entry"]
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "")
        if method == "GET":
            return self._static(path, start_response)
        if path.lower() != "/ews/exchange.asmx":
            return _plain(start_response, "404 Not Found", b"")
        if method != "POST":
            return _plain(start_response, "405 Method Not Allowed", b"")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        seed = self.simulator.seed
        try:
            user = authenticate(environ, seed)
        except Unauthorized as exc:
            entry.operation = entry.operation or "Authenticate"
            headers = [("WWW-Authenticate", c) for c in exc.challenges]
            return _plain(start_response, "401 Unauthorized", b"", headers)
        entry.user = user.smtp
        version = seed.version
        try:
            try:
                ctx, op_elem = self._prepare(body, user, entry)
                refused = None
            except EwsFault as exc:
                # A fault queued for "any request" still hits a request Exchange would refuse:
                # a proxy's 503 or a reset comes before the server reads the body.
                ctx, op_elem, refused = None, None, exc
            answer = self._inject(environ, start_response, entry)
            if answer is not None:
                return answer
            if refused is not None:
                raise refused
            handler = operations.HANDLERS.get(entry.operation)
            if handler is None:
                raise EwsFault(
                    "ErrorInvalidRequest", "The operation %s is not supported." % entry.operation
                )
            response = handler(ctx, op_elem)
        except EwsFault as fault:
            entry.errors.append(fault.code)
            out = serialize(fault.envelope(version))
            self._trace(body, out)
            return _xml(start_response, "%d Error" % fault.status, out)
        entry.errors.extend(getattr(response, "error_codes", []))
        root = getattr(response, "root", response)
        problems = self.validator.errors(root) + [
            "%s is not part of the %s schema" % (name, ctx.requested_version)
            for name in versions.newer_parts(root, ctx.requested_version)
        ]
        if problems:
            # A simulator bug: never sent as if a server had said it. The client gets a
            # server error, and the tests' fixtures fail on BROKEN_ANSWERS.
            _logger.error("EWS simulator answer breaks the schema: %s", problems)
            self.invalid_answers.append((entry.operation, problems))
            BROKEN_ANSWERS.append((entry.operation, problems))
            entry.errors.append("ErrorInternalServerError")
            fault = EwsFault("ErrorInternalServerError", "An internal server error occurred.")
            return _xml(start_response, "500 Error", serialize(fault.envelope(version)))
        out = serialize(envelope(root, version))
        self._trace(body, out)
        return _xml(start_response, "200 OK", out)

    def _inject(self, environ, start_response, entry):
        """Apply the first queued fault matching this request: a WSGI answer, or None."""
        fault = self.simulator.faults.take("ews", entry.operation, entry.mailbox)
        if fault is None:
            return None
        entry.fault = fault.kind
        if fault.kind == "server_busy":
            ms = int(fault.params.get("back_off_ms", 5000))
            raise EwsFault(
                "ErrorServerBusy",
                "The server cannot service this request right now. Try again later.",
                values={"BackOffMilliseconds": str(ms)},
            )
        return apply_generic(fault, environ, start_response)

    def _prepare(self, body, user, entry):
        try:
            doc = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
        except etree.XMLSyntaxError as exc:
            raise EwsFault(
                "ErrorSchemaValidation", "The request is not well-formed XML: %s" % exc
            ) from None
        header = doc.find("{%s}Header" % SOAP)
        soap_body = doc.find("{%s}Body" % SOAP)
        if soap_body is None or len(soap_body) == 0:
            raise EwsFault("ErrorSchemaValidation", "The SOAP body is missing.")
        op_elem = soap_body[0]
        entry.operation = etree.QName(op_elem).localname
        entry.items = _count_items(op_elem)
        headers = list(header) if header is not None else []
        for elem in [*headers, op_elem]:
            problems = self.validator.errors(elem)
            if problems and elem.tag == t("RequestServerVersion"):
                # Exchange answers a version string it does not know as a wrong version,
                # which clients rely on to step down to an older one.
                raise EwsFault(
                    "ErrorInvalidServerVersion", "The specified server version is invalid."
                )
            if problems:
                raise EwsFault(
                    "ErrorSchemaValidation",
                    "The request failed schema validation: %s" % problems[0],
                    values={"Violation": problems[0]},
                )
        seed = self.simulator.seed
        requested = _header(headers, "RequestServerVersion")
        requested_version = requested.get("Version") if requested is not None else seed.version
        # A version the schema does not know is refused the same way when validation is off.
        known = requested_version in API_ORDER
        if not known or API_ORDER.index(requested_version) > API_ORDER.index(seed.version):
            raise EwsFault(
                "ErrorInvalidServerVersion",
                "The specified server version is invalid.",
            )
        versions.refuse_newer(op_elem, requested_version)
        tz = timezone.utc
        context = _header(headers, "TimeZoneContext")
        if not versions.has(requested_version, "TimeZoneContext"):
            context = None  # a header the named schema does not know: ignored, as SOAP does
        if context is not None:
            definition = context.find(t("TimeZoneDefinition"))
            try:
                tz = zone(definition.get("Id") if definition is not None else "UTC")
            except UnknownTimeZone:
                raise EwsFault(
                    "ErrorTimeZone", "The time zone in TimeZoneContext is unknown."
                ) from None
        impersonation = _header(headers, "ExchangeImpersonation")
        if impersonation is None and entry.operation in MAILBOXLESS:
            mailbox = ""  # these operations need no mailbox (a service account has none)
        else:
            mailbox = self._mailbox(impersonation, user)
        entry.mailbox = mailbox
        store = self.simulator.store
        ctx = Context(
            self.simulator, store, mailbox, seed.version, requested_version, tz, user, entry
        )
        return ctx, op_elem

    def _mailbox(self, impersonation, user):
        seed, store = self.simulator.seed, self.simulator.store
        if impersonation is None:
            if not store.has_mailbox(user.smtp):
                raise EwsFault(
                    "ErrorNonExistentMailbox",
                    "No mailbox with such guid.",
                    faultcode="a:ErrorNonExistentMailbox",
                )
            return user.smtp
        sid = impersonation.find(t("ConnectingSID"))
        target = ""
        for name in ("PrimarySmtpAddress", "SmtpAddress", "PrincipalName"):
            value = sid.findtext(t(name)) if sid is not None else None
            if value:
                target = value.strip()
                break
        if not target:
            raise EwsFault("ErrorImpersonateUserDenied", "Impersonation by SID is not supported.")
        if not store.has_mailbox(target):
            if seed.find_user(target) is None:
                raise EwsFault(
                    "ErrorNonExistentMailbox",
                    "The SMTP address has no mailbox associated with it.",
                )
        if not seed.may_impersonate(user.smtp, target):
            raise EwsFault(
                "ErrorImpersonateUserDenied",
                "The account does not have permission to impersonate the requested user.",
            )
        if not store.has_mailbox(target):
            raise EwsFault(
                "ErrorNonExistentMailbox", "The SMTP address has no mailbox associated with it."
            )
        return target

    def _static(self, path, start_response):
        # Exchange publishes its schema next to the endpoint; so do we when we have it.
        name = path.rsplit("/", 1)[-1].lower()
        files = {
            "services.wsdl": "services.wsdl",
            "messages.xsd": "messages.xsd",
            "types.xsd": "types.xsd",
        }
        if name in files and self.validator.enabled:
            data = (Path(self.validator.directory) / files[name]).read_bytes()
            return _xml(start_response, "200 OK", data)
        return _plain(start_response, "404 Not Found", b"")

    @staticmethod
    def _trace(request, answer):
        if TRACE:
            print("---- EWS request\n%s\n---- EWS answer\n%s" % (request.decode(), answer.decode()))


def _header(headers, name):
    for elem in headers:
        if elem.tag == t(name):
            return elem
    return None


def _count_items(op_elem):
    for container in ("Items", "ItemIds", "ItemChanges"):
        node = op_elem.find(
            "{http://schemas.microsoft.com/exchange/services/2006/messages}" + container
        )
        if node is not None:
            return len(node)
    return 0


def _xml(start_response, status, data):
    start_response(
        status,
        [("Content-Type", "text/xml; charset=utf-8"), ("Content-Length", str(len(data)))],
    )
    return [data]


def _plain(start_response, status, data, headers=()):
    start_response(status, [("Content-Length", str(len(data))), *headers])
    return [data]


def make_app(simulator):
    return EwsApp(simulator)
