"""The simulated Microsoft Entra directory: tenants, app registrations, consent and tokens.

Built from the seed's ``tenants`` list (see :mod:`exchange_simulator.seed`). Keys the login
and Graph front ends read from each app, all optional except ``client_id``/``client_secret``:

``consented``        admin consent already granted (else the token endpoint refuses, AADSTS65001)
``admin_declines``   the administrator clicks "Cancel" on the consent page
``permissions``      application roles granted by consent (default ["Calendars.ReadWrite"])
``redirect_uris``    accepted consent redirect URIs (absent: any https/http URI)
``mailbox_policy``   {"allow": [smtp, ...]} or {"deny": [smtp, ...]}: Exchange's application
                     access policy; a denied mailbox answers 403 ErrorAccessDenied in Graph
``rbac_scope``       [smtp, ...]: RBAC for Applications, the app's role assignment limited to
                     a management scope; a mailbox outside it answers 403 ErrorAccessDenied
                     "Access is denied. Check credentials and try again."
``redirect_uris``    also checked by the sign-in page (authorize.py)
``delegated_permissions``  what users may grant the app when they sign in (see grants.py)
``token_lifetime``   seconds an access token lives (default 3599, as Entra)

Tokens are JWTs signed with HS256 by a per-directory random key: opaque to clients, as real
ones are meant to be, and checkable by the Graph front end (audience, expiry, app-only roles).
Every time comes from the store's clock, so a skewed server also issues skewed tokens.
"""

import base64
import hashlib
import hmac
import json
import secrets
import threading
import uuid

GRAPH_RESOURCE = "https://graph.microsoft.com"
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"  # Graph's well-known application id
DEFAULT_LIFETIME = 3599


class TokenError(Exception):
    """A bearer token Graph must refuse: ``code`` and ``message`` as Graph words them."""

    def __init__(self, message, code="InvalidAuthenticationToken", status=401):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Directory:
    """Tenants and apps of one simulator, with consent state and token signing."""

    def __init__(self, tenants, clock):
        self.clock = clock
        self._lock = threading.Lock()
        self._key = secrets.token_bytes(32)
        self.tenants = [dict(t, apps=[dict(a) for a in t.get("apps", ())]) for t in tenants]
        for tenant in self.tenants:
            tenant.setdefault("tenant_id", str(uuid.uuid4()))
        # Resources tokens may be asked for: Graph itself, and the simulator's own base URLs
        # (a test points the backend's "Graph URL" at the simulator and asks for that).
        self.resources = {GRAPH_RESOURCE, GRAPH_APP_ID}

    # -- look-ups --------------------------------------------------------------------------

    def find_tenant(self, name):
        """The tenant for a tenant id or one of its domains (``contoso.onmicrosoft.com``)."""
        key = (name or "").strip().lower()
        for tenant in self.tenants:
            domains = [d.lower() for d in tenant.get("domains", ())]
            if key == tenant["tenant_id"].lower() or key in domains:
                return tenant
        return None

    @staticmethod
    def find_app(tenant, client_id):
        for app in tenant.get("apps", ()):
            if app["client_id"] == client_id:
                return app
        return None

    def app_by_client_id(self, client_id):
        for tenant in self.tenants:
            app = self.find_app(tenant, client_id)
            if app is not None:
                return tenant, app
        return None, None

    # -- consent ---------------------------------------------------------------------------

    def has_consent(self, tenant, app):
        with self._lock:
            return bool(app.get("consented"))

    def set_consent(self, tenant_name, client_id, granted=True):
        """Grant (or revoke) admin consent, as the consent page or a test does."""
        tenant = self.find_tenant(tenant_name)
        if tenant is None:
            raise KeyError(tenant_name)
        app = self.find_app(tenant, client_id)
        if app is None:
            raise KeyError(client_id)
        with self._lock:
            app["consented"] = bool(granted)

    def set_lifetime(self, seconds, client_id=None):
        """Make tokens issued from now on expire after ``seconds`` (all apps or one)."""
        for tenant in self.tenants:
            for app in tenant["apps"]:
                if client_id is None or app["client_id"] == client_id:
                    app["token_lifetime"] = seconds

    def mailbox_allowed(self, client_id, smtp):
        """Exchange's application access policy for this app and mailbox."""
        _, app = self.app_by_client_id(client_id)
        policy = (app or {}).get("mailbox_policy") or {}
        smtp = smtp.lower()
        if "allow" in policy:
            return smtp in {m.lower() for m in policy["allow"]}
        return smtp not in {m.lower() for m in policy.get("deny", ())}

    def in_rbac_scope(self, client_id, smtp):
        """RBAC for Applications: whether the app's management scope holds this mailbox."""
        _, app = self.app_by_client_id(client_id)
        scope = (app or {}).get("rbac_scope")
        return scope is None or smtp.lower() in {m.lower() for m in scope}

    # -- tokens ----------------------------------------------------------------------------

    def issue_token(self, tenant, app, resource):
        """(access token, lifetime in seconds) for an app-only client credentials grant."""
        now = int(self.clock.now().timestamp())
        lifetime = int(app.get("token_lifetime", DEFAULT_LIFETIME))
        claims = {
            "aud": resource,
            "iss": "https://sts.windows.net/%s/" % tenant["tenant_id"],
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            "appid": app["client_id"],
            "app_displayname": app.get("name", app["client_id"]),
            "idtyp": "app",
            "oid": str(uuid.uuid5(uuid.NAMESPACE_URL, tenant["tenant_id"] + app["client_id"])),
            "roles": list(app.get("permissions", ["Calendars.ReadWrite"])),
            "tid": tenant["tenant_id"],
            "ver": "1.0",
        }
        return self.sign(claims), lifetime

    def sign(self, claims):
        """A JWT of ``claims`` signed with this directory's key (app-only or delegated)."""
        head = _b64(json.dumps({"typ": "JWT", "alg": "HS256"}).encode())
        body = _b64(json.dumps(claims, separators=(",", ":")).encode())
        signature = hmac.new(self._key, f"{head}.{body}".encode(), hashlib.sha256).digest()
        return f"{head}.{body}.{_b64(signature)}"

    def verify(self, token, audiences):
        """The claims of a token Graph accepts, else TokenError with Graph's wording."""
        if not token:
            raise TokenError("Access token is empty.")
        try:
            head, body, signature = token.split(".")
            expected = hmac.new(self._key, f"{head}.{body}".encode(), hashlib.sha256).digest()
            if not hmac.compare_digest(expected, _unb64(signature)):
                raise ValueError("signature")
            claims = json.loads(_unb64(body))
        except (ValueError, TypeError):
            raise TokenError(
                "IDX14100: JWT is not well formed or its signature is invalid."
            ) from None
        now = self.clock.now().timestamp()
        if claims.get("exp", 0) <= now or claims.get("nbf", 0) > now + 300:
            raise TokenError("Lifetime validation failed, the token is expired.")
        if claims.get("aud") not in audiences:
            raise TokenError("Invalid audience.")
        if not claims.get("roles") and not claims.get("scp"):
            # What Graph says to an app whose permissions were never consented.
            raise TokenError(
                "Either scp or roles claim need to be present in the token.",
                code="Forbidden",
                status=403,
            )
        return claims


def directory_for(simulator):
    """The simulator's directory, created from its seed on first use (shared by front ends)."""
    directory = getattr(simulator, "directory", None)
    if directory is None:
        directory = Directory(simulator.seed.tenants, simulator.store.clock)
        simulator.directory = directory
    return directory
