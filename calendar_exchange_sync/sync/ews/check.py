"""Settings' "Test connection" for on-premises Exchange: each check in one plain sentence.

``check_connection(settings, mailbox)`` answers a list of ``(check, ok, message)`` for
reachability, TLS, authentication of the delegate, the server version, impersonation of
``mailbox`` and the clock skew, in that order (the clock entry carries the measured skew in
seconds as a fourth value, server minus ours); once a check fails, the ones that depend on it
say they were not run. Messages never contain the password (they are written here, not
copied from exceptions).
"""

import email.utils
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import requests
from exchangelib import BASIC, NTLM, Configuration, Credentials, FailFast
from exchangelib.protocol import Protocol
from exchangelib.version import Version

from .. import errors
from ..tz import UTC
from ..versions import EWS_VERSIONS
from .account import calendar_folder, make_account, trust_ca_file
from .errors import mailbox_error

MAX_SKEW = timedelta(minutes=5)  # Kerberos' and Exchange's usual tolerance


def _probe(settings):
    """One unauthenticated POST: the answer (any status) or the exception."""
    trust_ca_file(settings.endpoint, settings.ca_file)
    verify = settings.ca_file or True
    try:
        return requests.post(
            settings.endpoint,
            data=b"",
            headers={"Content-Type": "text/xml; charset=utf-8"},
            timeout=settings.timeout,
            verify=verify,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        return exc


def clock_skew(response, sent_at, received_at):
    """Server clock minus ours, from the HTTP Date header (None when there is none)."""
    header = response.headers.get("Date") if response is not None else None
    if not header:
        return None
    try:
        served = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    # The Date header has whole seconds: compare with the middle of the round trip.
    middle = sent_at + (received_at - sent_at) / 2
    return served - middle


def _skew_sentence(skew):
    seconds = round(skew.total_seconds())
    if abs(seconds) < 2:
        return "The server's clock agrees with this server's."
    direction = "ahead of" if seconds > 0 else "behind"
    minutes, rest = divmod(abs(seconds), 60)
    amount = "%d min %d s" % (minutes, rest) if minutes else "%d s" % rest
    return (
        "The Exchange server's clock is %s %s this server's; the synchronisation corrects "
        "for it." % (amount, direction)
    )


def _guess_version(settings):
    config = Configuration(
        service_endpoint=settings.endpoint,
        credentials=Credentials(settings.username, settings.password),
        auth_type=BASIC if settings.auth.lower() == "basic" else NTLM,
        retry_policy=FailFast(),
    )
    protocol = Protocol(config=config)
    protocol.TIMEOUT = settings.timeout
    try:
        return Version.guess(protocol, api_version_hint=settings.version)
    finally:
        protocol.close()


def check_connection(settings, mailbox):
    checks = []

    def add(name, ok, message):
        checks.append((name, ok, message))
        return ok

    def skip(*names, why):
        for name in names:
            add(name, False, "Not checked: %s" % why)
        return checks

    sent_at = datetime.now(UTC)
    answer = _probe(settings)
    received_at = datetime.now(UTC)
    https = urlsplit(settings.endpoint).scheme == "https"
    later = ("authentication", "version", "impersonation", "clock")
    if isinstance(answer, requests.exceptions.SSLError):
        add("reachability", True, "The server at %s answers." % urlsplit(settings.endpoint).netloc)
        add(
            "tls",
            False,
            "The server's certificate could not be verified: install the company "
            "CA file in Settings, or give the server a certificate for its host name.",
        )
        return skip(*later, why="the TLS connection was refused.")
    if isinstance(answer, Exception):
        add(
            "reachability",
            False,
            "%s could not be reached: check the EWS URL and that the "
            "server accepts connections from Odoo." % settings.endpoint,
        )
        return skip("tls", *later, why="the server could not be reached.")
    if answer.status_code not in (200, 401, 500):
        add(
            "reachability",
            False,
            "%s answered HTTP %d: it does not look like an EWS "
            "endpoint (it ends in /EWS/Exchange.asmx)." % (settings.endpoint, answer.status_code),
        )
        return skip("tls", *later, why="the URL is not an EWS endpoint.")
    add("reachability", True, "The EWS endpoint %s answers." % settings.endpoint)
    if https:
        add("tls", True, "The server's certificate is valid and trusted.")
    else:
        add(
            "tls",
            False,
            "The URL uses http://: passwords and calendars travel unencrypted. "
            "Use https:// outside a test network.",
        )

    try:
        version = _guess_version(settings)
    except Exception as exc:  # translated below into one sentence
        error = mailbox_error(exc, settings.endpoint, mailbox)
        if isinstance(error, errors.AuthenticationError):
            add(
                "authentication",
                False,
                "The server refused the delegate account %s: check "
                "its user name (DOMAIN\\user), its password and the authentication method "
                "(%s)." % (settings.username, settings.auth),
            )
        else:
            add("authentication", False, "Signing in failed: %s" % (error or "unknown error"))
        return skip("version", "impersonation", "clock", why="the delegate could not sign in.")
    add(
        "authentication",
        True,
        "The delegate account %s signed in (%s)." % (settings.username, settings.auth),
    )

    server = EWS_VERSIONS.get(version.api_version)
    wanted = EWS_VERSIONS[settings.version]
    order = list(EWS_VERSIONS.values())
    if server is not None and order.index(server) < order.index(wanted):
        add(
            "version",
            False,
            "Settings say %s but the server is %s: choose %s."
            % (wanted.server, server.server, server.server),
        )
    else:
        name = server.server if server is not None else version.api_version
        add("version", True, "The server speaks %s (build %s)." % (name, version.build))

    try:
        account = make_account(settings, mailbox)
        list(calendar_folder(account).filter(subject="odoo-connection-test").only("subject"))
        add("impersonation", True, "The delegate may act on behalf of %s." % mailbox)
    except Exception as exc:  # translated below into one sentence
        error = mailbox_error(exc, settings.endpoint, mailbox)
        if isinstance(error, (errors.ImpersonationDenied, errors.MailboxNotFound)):
            add("impersonation", False, str(error))
        else:
            add(
                "impersonation",
                False,
                "Reading the calendar of %s failed: %s" % (mailbox, error or "unknown error"),
            )

    skew = clock_skew(answer, sent_at, received_at)
    if skew is None:
        add("clock", False, "The server sent no Date header, so its clock could not be read.")
    else:
        # A fourth value, the skew in seconds, lets Settings store it for the engine.
        checks.append(("clock", abs(skew) <= MAX_SKEW, _skew_sentence(skew), skew.total_seconds()))
    return checks
