"""The HTTP side of Microsoft Graph: app-only tokens (msal), requests, ``$batch``, errors.

Knows tokens, retries and Graph's error codes, nothing of calendar items. Every failure leaves
as a ``sync.errors`` class with a sentence an administrator can act on.

* Tokens: one msal ``ConfidentialClientApplication`` per (login URL, tenant, client id,
  secret, CA) for the whole process, so its token cache is reused across runs. Instance
  discovery is off: msal would otherwise ask ``login.microsoftonline.com`` about any
  authority it does not know, and a test (or a national cloud) must not reach the internet.
* TLS: ``verify`` is passed on every request. A session-level ``verify`` alone loses against
  ``REQUESTS_CA_BUNDLE`` in the environment (requests merges the environment over it).
* Connections: the clients of one thread share a session per (Graph URL, CA setting) while it
  is in use, so that the cron's pass over many mailboxes opens one TLS connection, not one per
  mailbox (a handshake costs more than a quiet mailbox's whole run). A session idle for
  ``IDLE_REUSE`` seconds is closed and made again: no request is ever sent on a connection the
  server may be closing. It keeps no cookies: one session serves every tenant of the process.
* Throttling: 429/503 with ``Retry-After`` up to ``max_wait`` seconds are slept and retried
  (three tries); longer waits, or throttling that goes on, raise ``ThrottledError`` carrying
  the server's Retry-After so the mailbox is postponed, not failed. ``max_wait`` is 0 unless a
  caller chooses otherwise: a cron worker never sleeps on a server's behalf.
* ``$batch``: members in groups of 20 (Graph's limit); throttled members are retried the same
  way; the answers come back in the order of the requests.
* Nothing is sent twice unless the server certainly did not carry it out: a request whose
  connection could not be opened, a 429/503 (Graph did nothing), a 401 before a fresh token.
  A read whose connection dropped is sent once more; a write whose answer was lost (the
  connection dropped after sending, or no answer within ``timeout``) raises ``AnswerLost``, and
  the caller finds out what happened (creates: by identity, see side.py) instead of resending.
"""

import contextlib
import email.utils
import hashlib
import http.cookiejar
import threading
import time
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import msal
import requests
from requests.packages.urllib3.exceptions import NewConnectionError

from .. import errors
from ..tz import UTC

BATCH_LIMIT = 20
PREFER = 'IdType="ImmutableId", outlook.timezone="UTC", outlook.body-content-type="html"'
_APPS = {}
_APPS_LOCK = threading.Lock()
_SESSIONS = threading.local()  # this thread's sessions, see ``shared_session``
# Far below the keep-alive time-out of servers (Microsoft's front ends keep minutes; the
# simulator's cheroot, 10 s), far above the time between two mailboxes of a cron pass.
IDLE_REUSE = 5.0

# Graph error codes -> (error class, sentence). %s is the mailbox.
# A malformed id (an EWS id after moving to Office 365) is not proof that an entry is gone.
_ITEM_GONE = {"ErrorItemNotFound", "ResourceNotFound"}
_MAILBOX_MISSING = {"ErrorInvalidUser", "MailboxNotEnabledForRESTAPI", "MailboxNotFound"}


class _Session(requests.Session):
    """A session that passes its CA setting on every request (see the module docstring)."""

    def __init__(self, verify):
        super().__init__()
        self.verify = verify
        self.last_used = time.monotonic()
        self._environment = {}

    def request(self, method, url, **kwargs):
        kwargs.setdefault("verify", self.verify)
        try:
            return super().request(method, url, **kwargs)
        finally:
            self.last_used = time.monotonic()  # idle from the end of its last request

    def merge_environment_settings(self, url, proxies, stream, verify, cert):
        # requests reads the proxies and CA bundle of the environment for every request (over a
        # millisecond); they are the same for every request to one server.
        if proxies:
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        key = (urlsplit(url)[:2], stream, verify, cert)
        if key not in self._environment:
            merged = super().merge_environment_settings(url, proxies, stream, verify, cert)
            self._environment[key] = merged
        merged = self._environment[key]
        return dict(merged, proxies=dict(merged["proxies"]))


def shared_session(graph_url, verify):
    """This thread's session for a Graph server (see the module docstring)."""
    sessions = _SESSIONS.__dict__.setdefault("by_server", {})
    key = (graph_url, str(verify))
    session = sessions.get(key)
    if session is not None and time.monotonic() - session.last_used > IDLE_REUSE:
        session.close()
        session = None
    if session is None:
        session = sessions[key] = _Session(verify)
        session.headers["Accept"] = "application/json"
        session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    return session


def _retry_after(headers):
    value = (headers or {}).get("Retry-After") or (headers or {}).get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


class GraphClient:
    """Talks to Graph for one tenant app; ``requests`` counts HTTP requests (benchmarks)."""

    def __init__(self, settings):
        self.settings = settings
        self.base = settings.graph_url.rstrip("/") + "/v1.0"
        self.requests = 0
        self.clock_skew = None  # server clock minus ours, from the last Date header
        self._token = None

    @property
    def session(self):
        return shared_session(self.base, self.settings.verify)

    # -- tokens ----------------------------------------------------------------------------

    def _app_key(self):
        s = self.settings
        authority = "%s/%s" % (s.login_url.rstrip("/"), s.tenant.strip("/"))
        secret = hashlib.sha256((s.client_secret or "").encode()).hexdigest()
        return (authority, s.client_id, secret, str(s.verify))

    def _app(self):
        s = self.settings
        key = self._app_key()
        authority = key[0]
        with _APPS_LOCK:
            app = _APPS.get(key)
            if app is None:
                try:
                    app = msal.ConfidentialClientApplication(
                        s.client_id,
                        client_credential=s.client_secret,
                        authority=authority,
                        instance_discovery=False,
                        http_client=_Session(s.verify),
                        timeout=s.timeout,
                    )
                except requests.exceptions.SSLError as exc:
                    raise errors.TlsError(
                        "The certificate of the Microsoft login server %s could not be "
                        "verified: %s" % (s.login_url, exc)
                    ) from None
                except requests.exceptions.RequestException as exc:
                    raise errors.ConnectionFailed(
                        "The Microsoft login server %s could not be reached: %s"
                        % (s.login_url, type(exc).__name__)
                    ) from None
                except ValueError:
                    raise errors.AuthenticationError(
                        "Microsoft does not know the tenant '%s'. Check the tenant id or "
                        "domain in Settings." % s.tenant
                    ) from None
                _APPS[key] = app
        return app

    def token(self, fresh=False):
        """A bearer token for Graph (msal's cache first unless ``fresh``)."""
        if self._token and not fresh:
            return self._token
        app = self._app()
        scopes = [self.settings.graph_url.rstrip("/") + "/.default"]
        if fresh:
            kind = msal.TokenCache.CredentialType.ACCESS_TOKEN
            for entry in list(app.token_cache.search(kind)):
                app.token_cache.remove_at(entry)
        try:
            result = app.acquire_token_for_client(scopes=scopes)
        except requests.exceptions.SSLError as exc:
            raise errors.TlsError("The login server's certificate was refused: %s" % exc) from None
        except requests.exceptions.RequestException as exc:
            raise errors.ConnectionFailed(
                "The Microsoft login server could not be reached: %s" % type(exc).__name__
            ) from None
        if "access_token" not in result:
            # msal remembers a 400 answer for a minute; a fresh app lets a consent granted
            # meanwhile (or a corrected secret) count on the very next try.
            with _APPS_LOCK:
                _APPS.pop(self._app_key(), None)
            raise self._token_error(result)
        self._token = result["access_token"]
        return self._token

    def _token_error(self, result):
        codes = result.get("error_codes") or []
        text = result.get("error_description") or result.get("error") or "unknown error"
        s = self.settings
        if 7000215 in codes or 7000222 in codes:
            return errors.AuthenticationError(
                "Microsoft refused the client secret of application %s: it is wrong or has "
                "expired. Create a new secret in the app registration and paste its value "
                "(not its id) in Settings." % s.client_id
            )
        if 65001 in codes:
            return errors.ConsentRequired(
                "The administrator of tenant %s has not granted the permissions of application "
                "%s yet. Use 'Grant permissions' in Settings." % (s.tenant, s.client_id)
            )
        if 700016 in codes:
            return errors.AuthenticationError(
                "Tenant %s has no application with client id %s. Check the client id, or grant "
                "the permissions first." % (s.tenant, s.client_id)
            )
        if 90002 in codes:
            return errors.AuthenticationError("Microsoft does not know the tenant '%s'." % s.tenant)
        return errors.AuthenticationError(
            "Microsoft refused to sign in application %s: %s" % (s.client_id, text.split("\n")[0])
        )

    # -- requests --------------------------------------------------------------------------

    def url(self, path):
        return path if path.startswith("http") else self.base + path

    def _note_date(self, response):
        stamp = response.headers.get("Date")
        if stamp:
            with contextlib.suppress(TypeError, ValueError):  # a Date we cannot read: no skew
                server = email.utils.parsedate_to_datetime(stamp)
                self.clock_skew = server - datetime.now(UTC)

    def _send(self, method, url, **kwargs):
        headers = {"Authorization": "Bearer " + self.token(), "Prefer": PREFER}
        headers.update(kwargs.pop("headers", None) or {})
        self.requests += 1
        try:
            response = self.session.request(
                method, url, headers=headers, timeout=self.settings.timeout, **kwargs
            )
        except requests.exceptions.SSLError as exc:
            raise errors.TlsError(
                "The certificate of Microsoft Graph at %s could not be verified: %s"
                % (self.settings.graph_url, exc)
            ) from None
        except requests.exceptions.RequestException as exc:
            raise self._unanswered(exc) from None
        self._note_date(response)
        return response

    def _unanswered(self, exc):
        """The error for a request that got no answer: never sent, timed out, or dropped."""
        where = self.settings.graph_url
        if _never_sent(exc):
            return errors.ConnectionFailed(
                "Microsoft Graph at %s could not be reached (%s)." % (where, type(exc).__name__)
            )
        if isinstance(exc, requests.exceptions.Timeout):
            return errors.AnswerLost(
                "Microsoft Graph at %s did not answer within %d seconds."
                % (where, self.settings.timeout),
                timed_out=True,
            )
        return errors.AnswerLost(
            "Microsoft Graph at %s dropped the connection before answering (%s)."
            % (where, type(exc).__name__)
        )

    def request(self, method, path, mailbox=None, resend=None, **kwargs):
        """The JSON answer (or None for 204) of one call; raises a ``sync.errors`` class.

        ``resend``: may the request be sent again when its answer was lost (True for reads,
        None: only for GET)? A write is never resent: the server may have carried it out.
        """
        url, refreshed, resets = self.url(path), False, 0
        resend = method == "GET" if resend is None else resend
        for attempt in range(4):
            try:
                response = self._send(method, url, **dict(kwargs))
            except errors.ConnectionFailed:
                # Never sent: a dropped keep-alive connection is worth one immediate retry.
                resets += 1
                if resets > 1:
                    raise
                continue
            except errors.AnswerLost as lost:
                # A read may be sent again once after a dropped connection, never after a
                # time-out (the worker would wait twice as long for a server that is slow).
                resets += 1
                if not resend:
                    raise
                if lost.timed_out or resets > 1:
                    raise lost.as_read(mailbox) from None
                continue
            status = response.status_code
            if status == 401 and not refreshed:
                refreshed = True
                self.token(fresh=True)
                continue
            if status in (429, 503):
                wait = self._wait(response.headers, attempt)
                if wait is not None:
                    time.sleep(wait)
                    continue
                raise self.throttled(response.headers, mailbox)
            if status >= 400:
                raise self.error(status, _json(response), mailbox)
            return _json(response) if status != 204 else None
        raise self.throttled(response.headers, mailbox)

    def _wait(self, headers, attempt):
        """Seconds to sleep before retrying a throttled call, or None to give up now."""
        if attempt >= 2:
            return None
        after = _retry_after(headers)
        if after is None:
            after = 0.5 * 2**attempt
        return after if after <= self.settings.max_wait else None

    def throttled(self, headers, mailbox):
        after = _retry_after(headers)
        return errors.ThrottledError(
            "Microsoft Graph is throttling requests for mailbox %s; the sync will resume %s."
            % (mailbox or "?", "in %d seconds" % after if after is not None else "later"),
            retry_after=after,
            mailbox=mailbox,
        )

    def error(self, status, body, mailbox=None, item=None):
        """The ``sync.errors`` instance for a Graph error answer."""
        err = (body or {}).get("error") or {}
        code, message = err.get("code") or str(status), err.get("message") or ""
        box = mailbox or "?"
        if status == 410:
            return errors.SyncStateInvalid(
                "Microsoft Graph no longer knows the sync state of mailbox %s; it is read again "
                "in full." % box,
                mailbox=mailbox,
            )
        if status == 412:
            return errors.StaleVersion(
                "The entry changed in Exchange meanwhile.", item=item, mailbox=mailbox
            )
        if code in _ITEM_GONE:
            return errors.ItemNotFound(
                "The entry no longer exists in Exchange.", item=item, mailbox=mailbox
            )
        if code == "MailboxNotEnabledForRESTAPI":
            return errors.MailboxNotInCloud(
                "Exchange Online has no mailbox %s yet: it is on premises (or inactive)." % box,
                mailbox=mailbox,
            )
        if code in _MAILBOX_MISSING or (status == 404 and "user" in message.lower()):
            return errors.MailboxNotFound(
                "Exchange Online has no mailbox %s (or it is not enabled for Microsoft Graph)."
                % box,
                mailbox=mailbox,
            )
        if status == 403 and "AccessPolicy" in message:
            return errors.ImpersonationDenied(
                "An application access policy of the tenant forbids this app to use mailbox "
                "%s. Ask the Exchange administrator to add it to the policy's group." % box,
                mailbox=mailbox,
            )
        if status == 403 and "roles" in message:
            return errors.ConsentRequired(
                "The application has no calendar permission in the tenant: grant "
                "Calendars.ReadWrite (application) and admin consent.",
                mailbox=mailbox,
            )
        if status == 403:
            return errors.ImpersonationDenied(
                "Microsoft Graph refused access to mailbox %s: %s" % (box, message),
                mailbox=mailbox,
            )
        if status == 401:
            return errors.AuthenticationError(
                "Microsoft Graph refused the access token: %s" % message, mailbox=mailbox
            )
        if status in (429, 503):
            return self.throttled({}, mailbox)
        if status >= 500:
            return errors.TransientError(
                "Microsoft Graph failed (%d %s); the next run retries." % (status, code),
                item=item,
                mailbox=mailbox,
            )
        return errors.PermanentError(
            "Exchange refused the entry: %s" % (message or code), item=item, mailbox=mailbox
        )

    # -- $batch ----------------------------------------------------------------------------

    def batch(self, members, mailbox=None):
        """[(status, headers, body)] for members ``{"method", "url", "body"?, "headers"?}``."""
        answers = [None] * len(members)
        pending = list(range(len(members)))
        for attempt in range(3):
            throttled, waits = [], []
            for start in range(0, len(pending), BATCH_LIMIT):
                chunk = pending[start : start + BATCH_LIMIT]
                payload = {"requests": [self._member(str(i), members[i]) for i in chunk]}
                reads = all(members[i]["method"] == "GET" for i in chunk)
                body = self.request("POST", "/$batch", mailbox=mailbox, resend=reads, json=payload)
                for answer in body.get("responses", ()):
                    index = int(answer["id"])
                    status = int(answer.get("status", 500))
                    headers = answer.get("headers") or {}
                    answers[index] = (status, headers, answer.get("body"))
                    if status in (429, 503):
                        throttled.append(index)
                        waits.append(self._wait(headers, attempt))
            if not throttled:
                break
            if any(w is None for w in waits) or attempt == 2:
                break
            time.sleep(max(waits))
            pending = throttled
        return answers

    @staticmethod
    def _member(member_id, member):
        out = {"id": member_id, "method": member["method"], "url": member["url"]}
        headers = {"Prefer": PREFER, **(member.get("headers") or {})}
        if member.get("body") is not None:
            out["body"] = member["body"]
            headers["Content-Type"] = "application/json"
        out["headers"] = headers
        return out


def _never_sent(exc):
    """True when the request certainly never reached the server (no connection was made)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError)


def _json(response):
    try:
        return response.json()
    except ValueError:
        return {}


def skew_text(skew):
    if skew is None:
        return "unknown"
    seconds = skew / timedelta(seconds=1)
    return "%+.0f seconds" % seconds
