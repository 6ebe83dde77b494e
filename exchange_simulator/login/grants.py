"""Delegated sign-in state of the simulated Entra: authorization codes, refresh tokens, revocation.

What the authorization code flow needs, as the Microsoft identity platform behaves
(learn.microsoft.com, "Microsoft identity platform and OAuth 2.0 authorization code flow" and
"Refresh tokens in the Microsoft identity platform"):

* a code is bound to the client, the redirect URI, the scopes, the signed-in user and the PKCE
  challenge; it lives 10 minutes and is redeemed once (AADSTS54005 on the second try);
* PKCE: a code issued with a ``code_challenge`` is redeemed only with the ``code_verifier``
  whose S256 (or plain) transform gives it (AADSTS501481);
* refresh tokens come with ``offline_access``; each use answers a new one, and the old one is
  NOT revoked by that ("Refresh tokens replace themselves with a fresh token upon every use.
  The Microsoft identity platform doesn't revoke old refresh tokens"); one unused for 90 days
  has expired (AADSTS700082);
* revoking a user's sign-in sessions (``revokeSignInSessions``, or a password reset by the
  administrator) invalidates every refresh token issued before (AADSTS50173); access tokens
  already issued stay valid until they expire, as they do without continuous access
  evaluation.

Delegated access tokens carry ``scp`` (the granted delegated scopes), ``oid``/``upn`` of the
user and ``idtyp`` "user"; Graph lets them reach the signed-in user's own mailbox only.
"""

import base64
import hashlib
import hmac
import secrets
import threading
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

CODE_LIFETIME = timedelta(minutes=10)
REFRESH_INACTIVITY = timedelta(days=90)
# Delegated Graph permissions a user may consent to for a calendar app (resource-less names);
# an app's seed entry may name others in "delegated_permissions" (Contacts.ReadWrite, ...).
DELEGATED_SCOPES = {"Calendars.Read", "Calendars.ReadWrite", "User.Read", "User.ReadBasic.All"}
OIDC_SCOPES = {"openid", "profile", "email", "offline_access"}


class GrantError(Exception):
    """A token request Entra refuses: ``error``, AADSTS ``code`` and its sentence."""

    def __init__(self, error, code, text, status="400 Bad Request"):
        super().__init__(text)
        self.error, self.code, self.text, self.status = error, code, text, status


@dataclass
class Code:
    value: str
    client_id: str
    redirect_uri: str
    scopes: list
    smtp: str
    challenge: str | None
    method: str | None
    issued: object  # datetime from the store's clock
    redeemed: bool = False


@dataclass
class RefreshToken:
    value: str
    client_id: str
    scopes: list
    smtp: str
    issued: object
    last_used: object = None


@dataclass
class Grants:
    """One directory's codes and refresh tokens (thread-safe)."""

    clock: object
    codes: dict = field(default_factory=dict)
    refresh_tokens: dict = field(default_factory=dict)
    valid_from: dict = field(default_factory=dict)  # smtp -> tokens issued before are revoked
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- codes -----------------------------------------------------------------------------

    def issue_code(self, client_id, redirect_uri, scopes, smtp, challenge, method):
        value = "0.A" + secrets.token_urlsafe(48)
        with self._lock:
            self.codes[value] = Code(
                value, client_id, redirect_uri, list(scopes), smtp.lower(), challenge,
                method, self.clock.now(),
            )  # fmt: skip
        return value

    def redeem_code(self, value, client_id, redirect_uri, verifier):
        """The code's (smtp, scopes), or GrantError as Entra words it."""
        with self._lock:
            code = self.codes.get(value or "")
            if code is None or code.client_id != client_id:
                raise GrantError(
                    "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid."
                )
            if code.redeemed:
                raise GrantError(
                    "invalid_grant", 54005,
                    "OAuth2 Authorization code was already redeemed, please retry with a new "
                    "valid code or use an existing refresh token.",
                )  # fmt: skip
            if self.clock.now() - code.issued > CODE_LIFETIME:
                raise GrantError(
                    "invalid_grant", 70008,
                    "The provided authorization code or refresh token has expired due to "
                    "inactivity. Send a new interactive authorization request for this user "
                    "and resource.",
                )  # fmt: skip
            if redirect_uri != code.redirect_uri:
                raise GrantError(
                    "invalid_grant", 50011,
                    "The redirect URI '%s' specified in the request does not match the "
                    "redirect URI used to obtain the authorization code." % redirect_uri,
                )  # fmt: skip
            if code.challenge is not None and not _pkce_ok(code, verifier):
                raise GrantError(
                    "invalid_grant", 501481,
                    "The Code_Verifier does not match the code_challenge supplied in the "
                    "authorization request.",
                )  # fmt: skip
            code.redeemed = True
            return code.smtp, code.scopes

    # -- refresh tokens --------------------------------------------------------------------

    def issue_refresh_token(self, client_id, scopes, smtp):
        value = "1.A" + secrets.token_urlsafe(64)
        with self._lock:
            self.refresh_tokens[value] = RefreshToken(
                value, client_id, list(scopes), smtp.lower(), self.clock.now()
            )
        return value

    def use_refresh_token(self, value, client_id):
        """The token's (smtp, scopes); it stays usable (Entra does not revoke it on use)."""
        with self._lock:
            token = self.refresh_tokens.get(value or "")
            if token is None or token.client_id != client_id:
                raise GrantError(
                    "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid."
                )
            now = self.clock.now()
            revoked_at = self.valid_from.get(token.smtp)
            if revoked_at is not None and token.issued < revoked_at:
                raise GrantError(
                    "invalid_grant", 50173,
                    "The provided grant has expired due to it being revoked, a fresh auth "
                    "token is needed. The user might have changed or reset their password. "
                    "The grant was issued on '%s' and the TokensValidFrom date for this user "
                    "is '%s'." % (_stamp(token.issued), _stamp(revoked_at)),
                )  # fmt: skip
            if now - (token.last_used or token.issued) > REFRESH_INACTIVITY:
                raise GrantError(
                    "invalid_grant", 700082,
                    "The refresh token has expired due to inactivity. The token was issued on "
                    "%s and was inactive for 90.00:00:00." % _stamp(token.issued),
                )  # fmt: skip
            token.last_used = now
            return token.smtp, token.scopes

    def revoke(self, smtp):
        """``revokeSignInSessions``: every refresh token of the user issued until now dies."""
        with self._lock:
            # One tick later than "now": a token issued in this very second is revoked too.
            self.valid_from[smtp.lower()] = self.clock.now() + timedelta(microseconds=1)


def _pkce_ok(code, verifier):
    if not verifier:
        return False
    if (code.method or "plain").upper() == "S256":
        digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
        transformed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    else:
        transformed = verifier
    return hmac.compare_digest(transformed, code.challenge)


def _stamp(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%S.0000000Z")


def grants_for(directory):
    """The directory's delegated state, created on first use."""
    grants = getattr(directory, "grants", None)
    if grants is None:
        grants = directory.grants = Grants(directory.clock)
    return grants


def split_scopes(text):
    """(resource, delegated permission names, other OIDC scopes) of a v2 ``scope`` string.

    ``https://graph.microsoft.com/Calendars.ReadWrite`` names a permission of a resource;
    a bare name (``Calendars.ReadWrite``) means Graph's, as Entra reads it.
    """
    resource, names, oidc = None, [], []
    for scope in (text or "").split():
        if scope in OIDC_SCOPES:
            oidc.append(scope)
            continue
        base, _, name = scope.rpartition("/")
        if base:
            resource = resource or base
        names.append(name)
    return resource, names, oidc


def delegated_claims(tenant, app, user_id, smtp, upn, resource, scopes, now, lifetime):
    """The claims of a delegated access token (the caller signs them)."""
    issued = int(now.timestamp())
    return {
        "aud": resource,
        "iss": "https://sts.windows.net/%s/" % tenant["tenant_id"],
        "iat": issued,
        "nbf": issued,
        "exp": issued + lifetime,
        "appid": app["client_id"],
        "app_displayname": app.get("name", app["client_id"]),
        "idtyp": "user",
        "oid": user_id,
        "upn": upn,
        "unique_name": upn,
        "scp": " ".join(scopes),
        "tid": tenant["tenant_id"],
        "ver": "1.0",
        "uti": str(uuid.uuid4()),
    }
