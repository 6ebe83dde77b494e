"""Office 365 set-up helpers: the admin-consent link, and "Test connection" in plain words.

``admin_consent_url`` is pure: Settings opens it so the tenant's administrator grants the
application's permissions once; Microsoft then redirects to ``redirect_uri`` with
``admin_consent=True&tenant=...&state=...`` (or ``error=access_denied``). The caller signs and
checks ``state``.

``check_connection`` runs the checks an administrator needs, each answered with
(check, ok, sentence): token (secret, consent, tenant), mailbox reachable, application access
policy, clock skew.
"""

import base64
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta, timezone
from urllib.parse import quote, urlencode

from .. import errors
from .client import GraphClient, skew_text

MAX_SKEW = timedelta(minutes=5)  # beyond this, "newest wins" would trust a wrong clock
STATE_LIFETIME = timedelta(minutes=30)  # how long the administrator may take on the page


def admin_consent_url(login_base, tenant, client_id, redirect_uri, state):
    """The admin-consent page of ``tenant`` for ``client_id``, coming back to ``redirect_uri``."""
    query = urlencode({"client_id": client_id, "redirect_uri": redirect_uri, "state": state})
    return "%s/%s/adminconsent?%s" % (login_base.rstrip("/"), quote(tenant.strip("/")), query)


def make_consent_state(key, company_id, now=None):
    """A signed, single-use ``state`` for the consent round trip of one company.

    ``key`` is a server-side secret (bytes or str, e.g. the database secret); the state holds
    the company, a random nonce and an expiry, and an HMAC over them, so a forged or altered
    state is recognised without storing anything before the redirect.
    """
    now = now or datetime.now(timezone.utc)
    expiry = int((now + STATE_LIFETIME).timestamp())
    payload = "%d.%s.%d" % (int(company_id), secrets.token_urlsafe(12), expiry)
    return "%s.%s" % (payload, _signature(key, payload))


def read_consent_state(key, state, seen_nonce, now=None):
    """The company id of a state made by ``make_consent_state``; ValueError when forged,
    expired or replayed.

    ``seen_nonce(nonce) -> bool`` records a nonce and answers whether it had been used before
    (the caller keeps them, e.g. in a table with a unique constraint).
    """
    now = now or datetime.now(timezone.utc)
    try:
        company, nonce, expiry, signature = (state or "").split(".")
        payload = "%s.%s.%s" % (company, nonce, expiry)
        expected = _signature(key, payload)
        valid = hmac.compare_digest(expected, signature)
        company_id, expiry = int(company), int(expiry)
    except ValueError:
        valid = False
    if not valid:
        raise ValueError(
            "The answer from Microsoft does not belong to a consent request of this Odoo."
        )
    if now.timestamp() > expiry:
        raise ValueError("The consent request has expired; start again with 'Grant permissions'.")
    if seen_nonce(nonce):
        raise ValueError(
            "This consent answer was already used; start again with 'Grant permissions'."
        )
    return company_id


def _signature(key, payload):
    key = key.encode() if isinstance(key, str) else key
    digest = hmac.new(key, payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def check_connection(settings, mailbox, client=None):
    """[(check, ok, message)] for the Office 365 settings and one mailbox; the clock check
    also carries the measured skew in seconds (Exchange's clock minus ours) as a fourth value."""
    client = client or GraphClient(settings)
    results = []
    try:
        client.token()
    except errors.SyncError as exc:
        return [("token", False, str(exc))]
    results.append(
        (
            "token",
            True,
            "Signed in to tenant %s as application %s." % (settings.tenant, settings.client_id),
        )
    )
    try:
        client.request("GET", "/users/%s/calendar" % quote(mailbox), mailbox=mailbox)
    except errors.ImpersonationDenied as exc:
        results.append(("mailbox", True, "The mailbox %s exists." % mailbox))
        results.append(("access policy", False, str(exc)))
    except errors.SyncError as exc:
        results.append(("mailbox", False, str(exc)))
    else:
        results.append(("mailbox", True, "The calendar of %s can be reached." % mailbox))
        results.append(("access policy", True, "The application may use the mailbox %s." % mailbox))
    skew = client.clock_skew
    if skew is None:
        results.append(("clock", False, "Microsoft Graph did not tell its time."))
    elif abs(skew) > MAX_SKEW:
        results.append(
            (
                "clock",
                False,
                "The Exchange server's clock differs from this server's by %s; fix the time "
                "of this server (NTP)." % skew_text(skew),
                skew.total_seconds(),
            )
        )
    else:
        results.append(
            (
                "clock",
                True,
                "The clocks agree (difference %s)." % skew_text(skew),
                skew.total_seconds(),
            )
        )
    return results
