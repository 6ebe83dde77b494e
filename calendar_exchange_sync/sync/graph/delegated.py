"""Office 365 with each user signing in (delegated access): the authorization code flow with
PKCE, refresh tokens, and Graph on ``/me`` with the user's own token.

The flow is OAuth 2.0 as the Microsoft identity platform speaks it, through requests-oauthlib
(``OAuth2Session``) and oauthlib's ``WebApplicationClient`` for the PKCE verifier and S256
challenge. Why not msal's own code flow: msal's flow is OpenID Connect (it always asks for
``openid profile`` and insists on checking an id token and its nonce), keeps the refresh token
inside its own token-cache blob and offers a bare refresh token grant only "for migration";
here the refresh token is one secret field of the user's grant that the cron refreshes and
rotates itself, so plain OAuth 2.0 is the simpler and more honest fit. Two details of
oauthlib matter: the sessions are made without a ``scope`` (Entra answers other scopes than
asked, without ``offline_access``, which oauthlib would refuse as a changed scope), and the
endpoints must be https (oauthlib refuses plain http; so does this module).

* :func:`authorization_url`: where the user's browser goes, and the PKCE verifier to keep
  (secret) until the answer comes back. No network.
* :func:`redeem`: the code the browser brought back -> a :class:`Tokens` (network).
* :func:`refresh`: a refresh token -> new tokens; Entra answers a new refresh token each time
  (the old one stays valid until it expires, but only the newest is kept).
* :class:`DelegatedClient` / :class:`DelegatedGraphSide`: ``GraphClient`` / ``GraphSide`` with
  the user's access token and ``/me`` paths; Graph lets such a token reach that user's
  mailbox only.

A refused grant (revoked, expired, password reset …) is ``SignInRequired``: only the user can
fix it, by signing in again; a refused client secret is the administrator's
``AuthenticationError``.
"""

import dataclasses
from datetime import datetime, timedelta, timezone

import requests
from oauthlib.oauth2 import OAuth2Error, WebApplicationClient
from requests_oauthlib import OAuth2Session

from .. import errors
from .client import GraphClient
from .side import GraphSide

UTC = timezone.utc
SCOPES = ("Calendars.ReadWrite", "User.Read")  # delegated permissions asked of the user
REFRESH_AHEAD = timedelta(minutes=5)  # refresh an access token this long before it expires
VERIFIER_LENGTH = 64  # characters of the PKCE code verifier (RFC 7636: 43 to 128)


@dataclasses.dataclass(frozen=True)
class SignInSettings:
    """The company's app registration, seen from a user's sign-in."""

    tenant: str
    client_id: str
    client_secret: str = dataclasses.field(repr=False)
    redirect_uri: str
    login_url: str = "https://login.microsoftonline.com"
    graph_url: str = "https://graph.microsoft.com"
    verify: bool | str = True
    timeout: float = 30.0

    def endpoint(self, name):
        return "%s/%s/oauth2/v2.0/%s" % (self.login_url.rstrip("/"), self.tenant.strip("/"), name)

    @property
    def scopes(self):
        """Graph's delegated permissions (qualified by the Graph URL) and offline_access."""
        return ["%s/%s" % (self.graph_url.rstrip("/"), name) for name in SCOPES] + [
            "offline_access"
        ]


@dataclasses.dataclass(frozen=True)
class Tokens:
    """What the token endpoint answered: secrets, never logged."""

    access_token: str = dataclasses.field(repr=False)
    refresh_token: str = dataclasses.field(repr=False)
    expires_at: datetime  # aware UTC, by our clock
    scope: str = ""

    def expiring(self, now=None):
        return self.expires_at - (now or datetime.now(UTC)) < REFRESH_AHEAD


def authorization_url(settings, state, login_hint=None):
    """(URL of Microsoft's sign-in page, PKCE code verifier) for one sign-in."""
    _check_https(settings.login_url)
    client = WebApplicationClient(settings.client_id)
    verifier = client.create_code_verifier(VERIFIER_LENGTH)
    session = OAuth2Session(
        client=client, redirect_uri=settings.redirect_uri, scope=settings.scopes
    )
    extra = {
        "code_challenge": client.create_code_challenge(verifier, "S256"),
        "code_challenge_method": "S256",
        "response_mode": "query",
        "prompt": "select_account",
    }
    if login_hint:
        extra["login_hint"] = login_hint
    url, _state = session.authorization_url(settings.endpoint("authorize"), state=state, **extra)
    return url, verifier


def redeem(settings, code, verifier, now=None):
    """Tokens for the authorization code the browser brought back (network)."""
    session = OAuth2Session(
        client=WebApplicationClient(settings.client_id), redirect_uri=settings.redirect_uri
    )
    return _token_call(
        settings,
        now,
        lambda: session.fetch_token(
            settings.endpoint("token"),
            code=code,
            client_secret=settings.client_secret,
            include_client_id=True,
            code_verifier=verifier,
            verify=settings.verify,
            timeout=settings.timeout,
        ),
    )


def refresh(settings, refresh_token, now=None):
    """New tokens for a refresh token (network); the answer carries a new refresh token."""
    session = OAuth2Session(client=WebApplicationClient(settings.client_id))
    return _token_call(
        settings,
        now,
        lambda: session.refresh_token(
            settings.endpoint("token"),
            refresh_token=refresh_token,
            client_id=settings.client_id,
            client_secret=settings.client_secret,
            verify=settings.verify,
            timeout=settings.timeout,
        ),
        keep=refresh_token,
    )


def _check_https(url):
    if not (url or "").lower().startswith("https://"):
        raise errors.ConfigurationError(
            "Signing in with Microsoft needs an https Microsoft Login URL, not %s." % url
        )


def _token_call(settings, now, call, keep=None):
    _check_https(settings.login_url)
    try:
        answer = call()
    except OAuth2Error as exc:
        raise _grant_error(exc, settings) from None
    except requests.exceptions.SSLError:
        raise errors.TlsError(
            "The certificate of the Microsoft login server %s could not be verified."
            % settings.login_url
        ) from None
    except requests.exceptions.RequestException as exc:
        raise errors.ConnectionFailed(
            "The Microsoft login server %s could not be reached (%s)."
            % (settings.login_url, type(exc).__name__)
        ) from None
    if not answer.get("access_token"):
        raise errors.AuthenticationError("Microsoft answered the sign-in without a token.")
    lifetime = float(answer.get("expires_in") or 0)
    return Tokens(
        access_token=answer["access_token"],
        # Entra answers a refresh token with every refresh; should one not come, the old
        # one is still valid.
        refresh_token=answer.get("refresh_token") or keep or "",
        expires_at=(now or datetime.now(UTC)) + timedelta(seconds=lifetime),
        scope=answer.get("scope") or "",
    )


def _reason(exc):
    """The AADSTS sentence without its trace and correlation ids."""
    text = (exc.description or exc.error or "").strip()
    return text.split(" Trace ID:")[0].split("\r\n")[0].strip()


def _grant_error(exc, settings):
    if exc.error == "invalid_grant":
        return errors.SignInRequired(
            "Microsoft no longer accepts this user's sign-in (%s)." % _reason(exc)
        )
    if exc.error in ("invalid_client", "unauthorized_client"):
        return errors.AuthenticationError(
            "Microsoft refused application %s (%s): check its client ID and secret in Settings."
            % (settings.client_id, _reason(exc))
        )
    return errors.AuthenticationError("Microsoft refused the sign-in: %s" % _reason(exc))


class DelegatedClient(GraphClient):
    """``GraphClient`` with a user's access token instead of the app's.

    ``tokens(fresh)`` answers the current access token; ``fresh=True`` (Graph refused the
    token with 401) asks for a refreshed one. It is the caller's (the bridge's) job to store
    what a refresh answered.
    """

    def __init__(self, settings, tokens):
        super().__init__(settings)
        self._tokens = tokens

    def token(self, fresh=False):
        if fresh or not self._token:
            self._token = self._tokens(fresh)
        return self._token


class DelegatedGraphSide(GraphSide):
    """The signed-in user's own calendar, through ``/me``."""

    def __init__(self, settings, mailbox, client):
        super().__init__(settings, mailbox, client=client)
        self.user = "/me"
