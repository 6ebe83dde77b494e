"""Office 365 set-up helpers: the admin-consent link, and "Test connection" in plain words.

``admin_consent_url`` is pure: Settings opens it so the tenant's administrator grants the
application's permissions once; Microsoft then redirects to ``redirect_uri`` with
``admin_consent=True&tenant=...&state=...`` (or ``error=access_denied``). The caller (Settings,
through ``bridge.backends``) signs ``state`` and checks it on the way back.

``check_connection`` runs the checks an administrator needs, each answered with
(check, ok, sentence): token (secret, consent, tenant), mailbox reachable, application access
policy, clock skew.
"""

from datetime import timedelta
from urllib.parse import quote, urlencode

from .. import errors
from .client import GraphClient, skew_text

MAX_SKEW = timedelta(minutes=5)  # beyond this, "newest wins" would trust a wrong clock


def admin_consent_url(login_base, tenant, client_id, redirect_uri, state):
    """The admin-consent page of ``tenant`` for ``client_id``, coming back to ``redirect_uri``."""
    query = urlencode({"client_id": client_id, "redirect_uri": redirect_uri, "state": state})
    return "%s/%s/adminconsent?%s" % (login_base.rstrip("/"), quote(tenant.strip("/")), query)


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
