"""The Microsoft identity platform endpoints the Graph backend meets, as a WSGI app.

Routes (``{tenant}`` is a tenant id or domain):

``GET  /{tenant}/v2.0/.well-known/openid-configuration``  tenant discovery (msal reads it)
``POST /{tenant}/oauth2/v2.0/token``                       client credentials, and the
                                                           delegated grants of authorize.py
``GET|POST /{tenant}/oauth2/v2.0/authorize``               the sign-in page (authorize.py)
``GET  /{tenant}/adminconsent`` and ``/{tenant}/v2.0/adminconsent``
                                                           the admin-consent page: redirects
                                                           back with the outcome
``GET  /common/discovery/instance``                        answered, but a correctly configured
                                                           client never calls it (tests check)

Errors use Entra's JSON (``error``, ``error_description`` starting with the AADSTS code,
``error_codes``) and status codes: 400 for unknown tenant / client / consent, 401 for a bad
secret.
"""

import json
import re
import uuid
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from . import authorize
from .directory import directory_for
from .grants import GrantError

ROUTE = re.compile(
    r"^/(?P<tenant>[^/]+)/(?P<what>v2\.0/\.well-known/openid-configuration|oauth2/v2\.0/token"
    r"|oauth2/v2\.0/authorize|adminconsent|v2\.0/adminconsent|discovery/instance)$"
)


def matches(path):
    return bool(ROUTE.match(path))


def _base(environ):
    return "%s://%s" % (environ.get("wsgi.url_scheme", "http"), environ.get("HTTP_HOST", ""))


def _json(start_response, status, data, headers=()):
    body = json.dumps(data).encode()
    start_response(
        status,
        [
            ("Content-Type", "application/json; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store, no-cache"),
            *headers,
        ],
    )
    return [body]


def _entra_error(sim, start_response, status, error, code, text, entry):
    now = sim.store.clock.now()
    trace = str(uuid.uuid4())
    entry.errors.append("AADSTS%d" % code)
    return _json(
        start_response,
        status,
        {
            "error": error,
            "error_description": "AADSTS%d: %s Trace ID: %s Timestamp: %s"
            % (code, text, trace, now.strftime("%Y-%m-%d %H:%M:%SZ")),
            "error_codes": [code],
            "timestamp": now.strftime("%Y-%m-%d %H:%M:%SZ"),
            "trace_id": trace,
            "correlation_id": str(uuid.uuid4()),
            "error_uri": "%s/error?code=%d" % ("https://login.microsoftonline.com", code),
        },
    )


def _form(environ):
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    raw = environ["wsgi.input"].read(length).decode() if length else ""
    return {k: v[-1] for k, v in parse_qs(raw).items()}


def make_app(simulator):
    directory = directory_for(simulator)

    def app(environ, start_response):
        entry = environ["simulator.entry"]
        match = ROUTE.match(environ.get("PATH_INFO", ""))
        tenant_name, what = match.group("tenant"), match.group("what")
        entry.operation = what.split("/")[-1]
        base = _base(environ)
        if what == "discovery/instance":
            return _json(
                start_response,
                "200 OK",
                {
                    "tenant_discovery_endpoint": "%s/%s/v2.0/.well-known/openid-configuration"
                    % (base, tenant_name),
                    "api-version": "1.1",
                    "metadata": [],
                },
            )
        tenant = directory.find_tenant(tenant_name)
        if what.endswith("openid-configuration"):
            if tenant is None:
                return _tenant_missing(
                    simulator, start_response, tenant_name, entry, "invalid_tenant"
                )
            root = "%s/%s" % (base, tenant["tenant_id"])
            return _json(
                start_response,
                "200 OK",
                {
                    "token_endpoint": root + "/oauth2/v2.0/token",
                    "authorization_endpoint": root + "/oauth2/v2.0/authorize",
                    "issuer": root + "/v2.0",
                    "jwks_uri": "%s/%s/discovery/v2.0/keys" % (base, tenant["tenant_id"]),
                    "token_endpoint_auth_methods_supported": ["client_secret_post"],
                    "response_types_supported": ["code", "id_token", "token"],
                    "tenant_region_scope": "EU",
                },
            )
        if what.endswith("authorize"):
            return authorize.authorize(
                simulator, directory, environ, start_response, tenant, tenant_name, entry
            )
        if what.endswith("adminconsent"):
            return _admin_consent(simulator, directory, environ, start_response, tenant, entry)
        if environ["REQUEST_METHOD"] != "POST":
            return _json(start_response, "405 Method Not Allowed", {"error": "invalid_request"})
        return _token(simulator, directory, environ, start_response, tenant, tenant_name, entry)

    return app


def _tenant_missing(sim, start_response, name, entry, error="invalid_request"):
    return _entra_error(
        sim,
        start_response,
        "400 Bad Request",
        error,
        90002,
        "Tenant '%s' not found. Check to make sure you have the correct tenant ID and are "
        "signing into the correct cloud." % name,
        entry,
    )


def _token(sim, directory, environ, start_response, tenant, tenant_name, entry):
    form = _form(environ)
    if tenant is None:
        return _tenant_missing(sim, start_response, tenant_name, entry)
    if form.get("grant_type") in ("authorization_code", "refresh_token"):
        try:
            body = authorize.token(
                sim, directory, form, tenant, entry, lambda r: _known(directory, r, environ)
            )
        except GrantError as exc:
            return _entra_error(
                sim, start_response, exc.status, exc.error, exc.code, exc.text, entry
            )
        return _json(start_response, "200 OK", body)
    if form.get("grant_type") != "client_credentials":
        return _entra_error(
            sim, start_response, "400 Bad Request", "unsupported_grant_type", 70003,
            "The app requested an unsupported grant type.", entry,
        )  # fmt: skip
    client_id = form.get("client_id", "")
    entry.user = client_id
    app = directory.find_app(tenant, client_id)
    if app is None:
        return _entra_error(
            sim, start_response, "400 Bad Request", "unauthorized_client", 700016,
            "Application with identifier '%s' was not found in the directory '%s'. This can "
            "happen if the application has not been installed by the administrator of the "
            "tenant or consented to by any user in the tenant." % (client_id, tenant_name),
            entry,
        )  # fmt: skip
    if form.get("client_secret") != app.get("client_secret"):
        return _entra_error(
            sim, start_response, "401 Unauthorized", "invalid_client", 7000215,
            "Invalid client secret provided. Ensure the secret being sent in the request is "
            "the client secret value, not the client secret ID, for a secret added to app "
            "'%s'." % client_id,
            entry,
        )  # fmt: skip
    scope = form.get("scope", "").split()
    resource = scope[0][: -len("/.default")] if len(scope) == 1 else ""
    if not scope or not scope[0].endswith("/.default") or not _known(directory, resource, environ):
        return _entra_error(
            sim, start_response, "400 Bad Request", "invalid_resource", 500011,
            "The resource principal named %s was not found in the tenant named %s."
            % (resource or " ".join(scope), tenant_name),
            entry,
        )  # fmt: skip
    if not directory.has_consent(tenant, app):
        return _entra_error(
            sim, start_response, "400 Bad Request", "invalid_grant", 65001,
            "The user or administrator has not consented to use the application with ID "
            "'%s' named '%s'. Send an interactive authorization request for this user and "
            "resource." % (client_id, app.get("name", client_id)),
            entry,
        )  # fmt: skip
    token, lifetime = directory.issue_token(tenant, app, resource.rstrip("/"))
    return _json(
        start_response,
        "200 OK",
        {
            "token_type": "Bearer",
            "expires_in": lifetime,
            "ext_expires_in": lifetime,
            "access_token": token,
        },
    )


def _known(directory, resource, environ):
    resource = resource.rstrip("/")
    if resource in directory.resources:
        return True
    # The simulator's own Graph, on whichever of its ports the client uses.
    parts = urlsplit(resource)
    return parts.hostname in ("127.0.0.1", "localhost") and parts.path in ("", "/")


def _admin_consent(sim, directory, environ, start_response, tenant, entry):
    query = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
    client_id, redirect_uri = query.get("client_id", ""), query.get("redirect_uri", "")
    app = directory.find_app(tenant, client_id) if tenant else None
    if app is None or not redirect_uri:
        # Entra shows an error page and never redirects when it cannot trust the request.
        text = "AADSTS700016: Application with identifier '%s' was not found." % client_id
        if tenant is None:
            text = "AADSTS90002: Tenant not found."
        elif app is not None:
            text = "AADSTS900144: The request body must contain the parameter: 'redirect_uri'."
        entry.errors.append(text.split(":")[0])
        return _html(start_response, "400 Bad Request", text)
    allowed = app.get("redirect_uris")
    if allowed is not None and redirect_uri not in allowed:
        entry.errors.append("AADSTS50011")
        return _html(
            start_response,
            "400 Bad Request",
            "AADSTS50011: The redirect URI '%s' specified in the request does not match the "
            "redirect URIs configured for the application '%s'." % (redirect_uri, client_id),
        )
    params = {}
    if app.get("admin_declines"):
        params = {
            "error": "access_denied",
            "error_subcode": "cancel",
            "error_description": "AADSTS65004: User declined to consent to access the app.",
        }
        entry.errors.append("AADSTS65004")
    else:
        directory.set_consent(tenant["tenant_id"], client_id, True)
        params = {"admin_consent": "True", "tenant": tenant["tenant_id"]}
    if "state" in query:
        params["state"] = query["state"]
    parts = urlsplit(redirect_uri)
    joined = "&".join(filter(None, [parts.query, urlencode(params)]))
    location = urlunsplit((parts.scheme, parts.netloc, parts.path, joined, ""))
    start_response("302 Found", [("Location", location), ("Content-Length", "0")])
    return [b""]


def _html(start_response, status, text):
    body = ("<html><body><h1>Sign in</h1><p>%s</p></body></html>" % text).encode()
    start_response(
        status, [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))]
    )
    return [body]
