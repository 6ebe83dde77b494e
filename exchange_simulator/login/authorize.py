"""The authorization code flow of the simulated Microsoft login: the sign-in page and the two
delegated grants of the token endpoint (``authorization_code``, ``refresh_token``).

``GET /{tenant}/oauth2/v2.0/authorize`` checks the request as Entra does, in its order:
tenant, application, redirect URI (an error *page*, no redirect, since the redirect URI is
not trusted yet), then ``response_type``, PKCE method and scopes (redirected back with
``error``). It answers a sign-in form; ``POST`` of that form with the user's ``login`` and
``passwd`` (the seed's password) redirects to the redirect URI with ``code``, ``state`` and
``session_state``. A wrong password shows the form again (AADSTS50126); an application the
tenant's administrator never consented to shows "Need admin approval" (AADSTS90094).

The token endpoint's confidential-client rules hold here too: ``client_secret`` is required
(AADSTS7000218) and must be right (AADSTS7000215). See :mod:`.grants` for codes, PKCE,
refresh tokens and revocation.
"""

import html
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from ..addresses import object_id
from .grants import DELEGATED_SCOPES, GrantError, delegated_claims, grants_for, split_scopes

DEFAULT_LIFETIME = 3599
FORM_FIELDS = (
    "client_id",
    "response_type",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "response_mode",
    "login_hint",
    "prompt",
)


def _query(environ):
    return {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}


def _form(environ):
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    raw = environ["wsgi.input"].read(length).decode() if length else ""
    return {k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()}


def _page(start_response, status, body):
    data = ("<html><head><title>Sign in to your account</title></head><body>%s</body></html>"
            % body).encode()  # fmt: skip
    start_response(
        status,
        [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(data)))],
    )
    return [data]


def _error_page(start_response, entry, code, text):
    entry.errors.append("AADSTS%d" % code)
    body = "<h1>Sign in</h1><p>AADSTS%d: %s</p>" % (code, html.escape(text))
    return _page(start_response, "400 Bad Request", body)


def _redirect(start_response, redirect_uri, params):
    parts = urlsplit(redirect_uri)
    joined = "&".join(filter(None, [parts.query, urlencode(params)]))
    location = urlunsplit((parts.scheme, parts.netloc, parts.path, joined, ""))
    start_response("302 Found", [("Location", location), ("Content-Length", "0")])
    return [b""]


def authorize(sim, directory, environ, start_response, tenant, tenant_name, entry):
    """GET: the sign-in page; POST: the signed-in user goes back with a code."""
    params = _query(environ) if environ["REQUEST_METHOD"] == "GET" else _form(environ)
    entry.operation = "authorize"
    if tenant is None:
        return _error_page(start_response, entry, 90002, "Tenant '%s' not found." % tenant_name)
    client_id = params.get("client_id", "")
    app = directory.find_app(tenant, client_id)
    if app is None:
        return _error_page(
            start_response, entry, 700016,
            "Application with identifier '%s' was not found in the directory '%s'."
            % (client_id, tenant_name),
        )  # fmt: skip
    redirect_uri = params.get("redirect_uri", "")
    allowed = app.get("redirect_uris")
    if not redirect_uri or (allowed is not None and redirect_uri not in allowed):
        return _error_page(
            start_response, entry, 50011,
            "The redirect URI '%s' specified in the request does not match the redirect URIs "
            "configured for the application '%s'." % (redirect_uri, client_id),
        )  # fmt: skip
    refusal = _refusal(params, app)
    if refusal is not None:
        entry.errors.append(refusal["error_description"].split(":")[0])
        if "state" in params:
            refusal["state"] = params["state"]
        return _redirect(start_response, redirect_uri, refusal)
    if environ["REQUEST_METHOD"] != "POST":
        return _sign_in_form(start_response, params, "")
    user = sim.seed.find_user(params.get("login", ""))
    domains = [d.lower() for d in tenant.get("domains", ())]
    if (
        user is None
        or user.password != params.get("passwd", "")
        or (domains and user.upn.split("@")[-1].lower() not in domains)
    ):
        entry.errors.append("AADSTS50126")
        return _sign_in_form(
            start_response,
            params,
            "AADSTS50126: Error validating credentials due to invalid username or password.",
        )
    entry.user = user.upn
    if not directory.has_consent(tenant, app):
        return _error_page(
            start_response, entry, 90094,
            "Need admin approval: %s needs permission to access resources in your "
            "organization that only an admin can grant." % app.get("name", client_id),
        )  # fmt: skip
    code = grants_for(directory).issue_code(
        client_id,
        redirect_uri,
        params.get("scope", "").split(),
        user.smtp,
        params.get("code_challenge"),
        params.get("code_challenge_method"),
    )
    answer = {"code": code, "session_state": object_id(user.smtp + "/session")}
    if "state" in params:
        answer["state"] = params["state"]
    return _redirect(start_response, redirect_uri, answer)


def _refusal(params, app):
    """The error a valid client is sent back with, or None."""
    if params.get("response_type") != "code":
        return {
            "error": "unsupported_response_type",
            "error_description": "AADSTS700054: response_type '%s' is not enabled for the "
            "application." % params.get("response_type", ""),
        }
    method = params.get("code_challenge_method")
    if params.get("code_challenge") and (method or "plain") not in ("S256", "plain"):
        return {
            "error": "invalid_request",
            "error_description": "AADSTS50149: Invalid Code_Challenge_method parameter.",
        }
    resource, names, _oidc = split_scopes(params.get("scope"))
    wanted = set(app.get("delegated_permissions", DELEGATED_SCOPES))
    if not names or any(name not in wanted for name in names):
        return {
            "error": "invalid_scope",
            "error_description": "AADSTS70011: The provided value for the input parameter "
            "'scope' is not valid. The scope '%s' is not valid." % params.get("scope", ""),
        }
    return None


def _sign_in_form(start_response, params, problem):
    hidden = "".join(
        '<input type="hidden" name="%s" value="%s"/>' % (name, html.escape(params[name]))
        for name in FORM_FIELDS
        if name in params
    )
    body = (
        '<h1>Sign in</h1>%s<form method="post">%s'
        '<input type="email" name="login" value="%s"/>'
        '<input type="password" name="passwd"/>'
        '<input type="submit" value="Sign in"/></form>'
    ) % (
        '<p class="error">%s</p>' % html.escape(problem) if problem else "",
        hidden,
        html.escape(params.get("login_hint", "")),
    )
    return _page(start_response, "200 OK", body)


# -- the token endpoint's delegated grants -----------------------------------------------------


def token(sim, directory, form, tenant, entry, known):
    """(status, JSON body) for ``authorization_code`` and ``refresh_token`` grants.

    ``known(resource)`` says whether tokens may be issued for a resource (the login app's
    rule). Raises GrantError for what Entra refuses.
    """
    client_id = form.get("client_id", "")
    entry.user = client_id
    app = directory.find_app(tenant, client_id)
    if app is None:
        raise GrantError(
            "unauthorized_client", 700016,
            "Application with identifier '%s' was not found in the directory." % client_id,
        )  # fmt: skip
    if "client_secret" not in form:
        raise GrantError(
            "invalid_client", 7000218,
            "The request body must contain the following parameter: 'client_assertion' or "
            "'client_secret'.",
            "401 Unauthorized",
        )  # fmt: skip
    if form.get("client_secret") != app.get("client_secret"):
        raise GrantError(
            "invalid_client", 7000215,
            "Invalid client secret provided. Ensure the secret being sent in the request is "
            "the client secret value, not the client secret ID, for a secret added to app "
            "'%s'." % client_id,
            "401 Unauthorized",
        )  # fmt: skip
    grants = grants_for(directory)
    if form.get("grant_type") == "authorization_code":
        smtp, scopes = grants.redeem_code(
            form.get("code"), client_id, form.get("redirect_uri", ""), form.get("code_verifier")
        )
    else:
        smtp, scopes = grants.use_refresh_token(form.get("refresh_token"), client_id)
    resource, names, oidc = split_scopes(" ".join(scopes))
    resource = (resource or "https://graph.microsoft.com").rstrip("/")
    if not known(resource):
        raise GrantError(
            "invalid_resource", 500011,
            "The resource principal named %s was not found in the tenant." % resource,
        )  # fmt: skip
    user = sim.seed.find_user(smtp)
    lifetime = int(app.get("token_lifetime", DEFAULT_LIFETIME))
    claims = delegated_claims(
        tenant, app, object_id(user.smtp), user.smtp, user.upn, resource, names,
        sim.store.clock.now(), lifetime,
    )  # fmt: skip
    body = {
        "token_type": "Bearer",
        "scope": " ".join(names + [s for s in oidc if s != "offline_access"]),
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": directory.sign(claims),
    }
    if "offline_access" in oidc:
        body["refresh_token"] = grants.issue_refresh_token(client_id, scopes, smtp)
    return body
