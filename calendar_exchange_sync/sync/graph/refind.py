"""Finding a mailbox's entries again in Exchange Online after its ids changed (a move from
Exchange on premises, or a company switching from EWS to Microsoft Graph).

* :func:`listing`: every entry of the calendar (singles and series masters) with its id,
  version, the Odoo identity it carries (our extended property) and its iCalendar UID
  (``iCalUId``; for a single entry and a series master it is the UID EWS reports).
* :func:`translate_ids`: Graph's ``translateExchangeIds`` from EWS ids to immutable REST ids,
  1,000 at a time. Graph offers it to delegated tokens only (application permissions are not
  supported), and it converts formats without looking the item up: an answer is a candidate
  that :mod:`..migration` checks against the listing before trusting it.
"""

from urllib.parse import quote

from .. import errors
from ..engine import Remote
from . import mapping as gm
from .client import PREFER

TRANSLATE_LIMIT = 1000
EXPAND_IDENTITY = "singleValueExtendedProperties($filter=id eq '%s')" % gm.IDENTITY_PROP


def listing(side, page_size=500):
    """[(Remote, identity or None, uid or None)] of every entry of ``side``'s calendar."""
    path = "%s/calendar/events?$select=id,iCalUId,type&$expand=%s" % (
        side.user,
        quote(EXPAND_IDENTITY),
    )
    found = []
    for event in _pages(side, path, page_size):
        if event.get("type") in ("occurrence", "exception"):
            continue  # a series is its master
        found.append(
            (
                Remote(event["id"], event.get("@odata.etag", "")),
                gm.identity_of(event),
                event.get("iCalUId") or None,
            )
        )
    return found


def _pages(side, path, page_size):
    """Every ``value`` of a collection, following ``@odata.nextLink``."""
    headers = {"Prefer": PREFER + ", odata.maxpagesize=%d" % page_size}
    body = side.client.request("GET", path, mailbox=side.mailbox, headers=headers)
    values = list(body.get("value", ()))
    while body.get("@odata.nextLink"):
        link = body["@odata.nextLink"]
        body = side.client.request("GET", link, mailbox=side.mailbox, headers=headers)
        values.extend(body.get("value", ()))
    return values


def translate_ids(side, ews_ids):
    """{EWS id: immutable REST id} for the ids Graph could convert (delegated tokens only)."""
    out = {}
    ews_ids = [i for i in dict.fromkeys(ews_ids) if i]
    for start in range(0, len(ews_ids), TRANSLATE_LIMIT):
        chunk = ews_ids[start : start + TRANSLATE_LIMIT]
        try:
            body = side.client.request(
                "POST",
                "%s/translateExchangeIds" % side.user,
                mailbox=side.mailbox,
                json={
                    "inputIds": chunk,
                    "sourceIdType": "ewsId",
                    "targetIdType": "restImmutableEntryId",
                },
            )
        except (errors.ImpersonationDenied, errors.PermanentError):
            return out  # not offered to this token: the listing finds them instead
        for result in (body or {}).get("value", ()):
            if result.get("targetId") and result.get("sourceId"):
                out[result["sourceId"]] = result["targetId"]
    return out
