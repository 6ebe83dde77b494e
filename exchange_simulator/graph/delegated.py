"""What a delegated (signed-in user's) token may do in Graph, as opposed to an app-only one.

* ``/me`` addresses the signed-in user (``oid`` of the token); with an app-only token Graph
  answers 400 "/me request is only valid with delegated authentication flow.";
* a delegated token reaches the signed-in user's own mailbox only: another user's calendar
  answers 403 ErrorAccessDenied "Access is denied. Check credentials and try again." (what
  Graph says without a delegate or sharing permission, which the simulator does not model);
* calendar calls need the delegated scope Calendars.ReadWrite (Calendars.Read for reading),
  contact calls Contacts.ReadWrite (Contacts.Read for reading): a calendar grant reaches no
  contact, as in Graph's permission reference for the contact resource;
* application access policies and RBAC for Applications restrict app-only access; they do not
  apply to delegated tokens (the user's own rights do).
"""

import re

from ..addresses import object_id
from .request import GraphError

_ME = re.compile(r"^/me(?=/|$)", re.IGNORECASE)
DENIED = "Access is denied. Check credentials and try again."


def is_delegated(claims):
    return claims.get("idtyp") == "user" or ("scp" in claims and not claims.get("roles"))


def scopes(claims):
    return set((claims.get("scp") or "").split())


def rewrite_me(call, claims):
    """``/me/...`` -> ``/users/{oid}/...`` for a delegated token; Graph's 400 for app-only."""
    if not _ME.match(call.path):
        return
    if not is_delegated(claims):
        raise GraphError(
            400, "BadRequest", "/me request is only valid with delegated authentication flow."
        )
    call.path = _ME.sub("/users/%s" % claims["oid"], call.path, count=1)


def check_mailbox(claims, seed_user, method, contacts=False):
    """Refuse a delegated token another user's mailbox, or a call without its scope."""
    if not is_delegated(claims):
        return
    if object_id(seed_user.smtp) != claims.get("oid"):
        raise GraphError(403, "ErrorAccessDenied", DENIED)
    granted = scopes(claims)
    kind = "Contacts" if contacts else "Calendars"
    needed = {kind + ".ReadWrite"}
    if method == "GET":
        needed.add(kind + ".Read")
    if not granted & needed:
        raise GraphError(403, "ErrorAccessDenied", DENIED)
