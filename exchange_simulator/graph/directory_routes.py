"""Graph's directory calls on users: ``/users/{id | userPrincipalName}``, ``/users?$filter=``,
``/me`` and ``revokeSignInSessions``. Directory calls are not mailbox calls: no application
access policy and no per-mailbox limit applies, but the directory permissions do.

* ``GET /users/{key}``: ``key`` is the object id or the userPrincipalName, nothing else (an
  SMTP address that is not the UPN, or an alias, is not found: 404 Request_ResourceNotFound
  "Resource '...' does not exist or one of its queried reference-property objects are not
  present."). ``mail`` is the primary SMTP address; ``proxyAddresses`` only with ``$select``.
* ``GET /users?$filter=`` with ``proxyAddresses/any(x:x eq 'smtp:...')`` (how an alias is
  found; the comparison ignores case, as directory string comparisons do), ``mail eq '...'``
  or ``userPrincipalName eq '...'``; anything else is 400 Request_UnsupportedQuery.
* App-only tokens need User.Read.All, User.ReadBasic.All or Directory.Read.All (else 403
  Authorization_RequestDenied "Insufficient privileges to complete the operation."); a
  delegated token reads its own user (User.Read) and others with User.ReadBasic.All.
* ``POST /users/{key}/revokeSignInSessions`` (and ``/me/...``): every refresh token of that
  user issued until now stops working (see :mod:`exchange_simulator.login.grants`); app-only
  needs User.RevokeSessions.All. Answers ``{"value": true}``.
"""

import re

from ..addresses import find_by_address, object_id, proxy_addresses
from ..login.grants import grants_for
from .delegated import is_delegated, scopes
from .request import GraphError

_USER = re.compile(r"^/users/(?P<key>[^/]+)$", re.IGNORECASE)
_REVOKE = re.compile(r"^/users/(?P<key>[^/]+)/revokeSignInSessions$", re.IGNORECASE)
_FILTERS = [
    (re.compile(r"^proxyAddresses/any\((\w+):\1 eq '(?P<v>[^']*)'\)$", re.IGNORECASE), "proxy"),
    (re.compile(r"^mail eq '(?P<v>[^']*)'$", re.IGNORECASE), "mail"),
    (re.compile(r"^userPrincipalName eq '(?P<v>[^']*)'$", re.IGNORECASE), "upn"),
]
READ_ROLES = {"User.Read.All", "User.ReadBasic.All", "Directory.Read.All"}
DEFAULT_SELECT = ["id", "displayName", "mail", "userPrincipalName", "givenName", "surname"]


def route(app, call, claims, base):
    """(status, body, headers) when ``call`` is a directory call, else None."""
    if call.path == "/users" and call.method == "GET":
        return _list(app, call, claims, base)
    match = _USER.match(call.path)
    if match and call.method == "GET":
        return _get(app, call, claims, base, match.group("key"))
    match = _REVOKE.match(call.path)
    if match and call.method == "POST":
        return _revoke(app, claims, match.group("key"))
    return None


def _members(app, claims):
    """The seed users of the token's tenant."""
    tenant = app.directory.find_tenant(claims.get("tid", ""))
    domains = [d.lower() for d in (tenant or {}).get("domains", ())]
    return [u for u in app.sim.seed.users if not domains or u.upn.split("@")[-1].lower() in domains]


def _insufficient():
    return GraphError(
        403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation."
    )


def _may_read(claims, user):
    if is_delegated(claims):
        own = object_id(user.smtp) == claims.get("oid")
        granted = scopes(claims)
        return ("User.Read" in granted and own) or bool(
            granted & {"User.ReadBasic.All", "User.Read.All"}
        )
    return bool(set(claims.get("roles") or ()) & READ_ROLES)


def _render(user, call):
    wanted = [s.strip() for s in call.query.get("$select", "").split(",") if s.strip()]
    values = {
        "id": object_id(user.smtp),
        "displayName": user.display_name,
        "mail": user.smtp,
        "userPrincipalName": user.upn,
        "givenName": user.display_name.split()[0] if user.display_name else None,
        "surname": " ".join(user.display_name.split()[1:]) or None,
        "proxyAddresses": proxy_addresses(user),
    }
    names = wanted or DEFAULT_SELECT
    return {name: values.get(name) for name in dict.fromkeys(["id", *names]) if name in values}


def _get(app, call, claims, base, key):
    found = next(
        (u for u in _members(app, claims) if key.lower() in (object_id(u.smtp), u.upn.lower())),
        None,
    )
    if found is not None and not _may_read(claims, found):
        raise _insufficient()
    if found is None:
        if not is_delegated(claims) and not set(claims.get("roles") or ()) & READ_ROLES:
            raise _insufficient()
        raise GraphError(
            404,
            "Request_ResourceNotFound",
            "Resource '%s' does not exist or one of its queried reference-property objects "
            "are not present." % key,
        )
    body = {"@odata.context": "%s/v1.0/$metadata#users/$entity" % base, **_render(found, call)}
    return 200, body, []


def _list(app, call, claims, base):
    if not is_delegated(claims) and not set(claims.get("roles") or ()) & READ_ROLES:
        raise _insufficient()
    members = _members(app, claims)
    text = (call.query.get("$filter") or "").strip()
    if text:
        for pattern, kind in _FILTERS:  # noqa: B007 (kind is used after the loop)
            match = pattern.match(text)
            if match:
                break
        else:
            raise GraphError(
                400,
                "Request_UnsupportedQuery",
                "Unsupported or invalid query filter clause specified for property '%s' of "
                "resource 'User'." % text.split(" ")[0].split("/")[0],
            )
        value = match.group("v").lower()
        if kind == "proxy":
            user = find_by_address(app.sim.seed, value) if value.startswith("smtp:") else None
            members = [u for u in members if u is user]
        elif kind == "mail":
            members = [u for u in members if u.smtp.lower() == value]
        else:
            members = [u for u in members if u.upn.lower() == value]
    rows = [_render(u, call) for u in members if _may_read(claims, u)]
    return 200, {"@odata.context": "%s/v1.0/$metadata#users" % base, "value": rows}, []


def _revoke(app, claims, key):
    user = next(
        (u for u in _members(app, claims) if key.lower() in (object_id(u.smtp), u.upn.lower())),
        None,
    )
    if user is None:
        raise GraphError(404, "Request_ResourceNotFound", "Resource '%s' does not exist." % key)
    own = is_delegated(claims) and object_id(user.smtp) == claims.get("oid")
    if not own and "User.RevokeSessions.All" not in set(claims.get("roles") or ()):
        raise _insufficient()
    grants_for(app.directory).revoke(user.smtp)
    return 200, {"value": True}, []
