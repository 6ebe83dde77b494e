"""One Exchange Online mailbox as a ``Side`` (see sync/engine/sides.py), through Microsoft Graph.

* Listing: ``calendarView/delta`` over a window (the engine's start minus a day of slack, to a
  horizon ahead). The token we hand the engine holds Graph's deltaLink and that window; when
  the engine's window is no longer inside it, a new round starts (``complete=True``) instead
  of silently missing entries. 410 from Graph raises ``SyncStateInvalid``.
  A series is one item: its occurrences and exceptions in the delta count as a change of the
  master, whose etag is the series' version.
* Reading: a single event an incremental delta gave in full is taken from the delta as it is,
  unless it may carry our extended properties (which a delta never expands): one with a
  ``transactionId`` (created through Graph by an app, we among them) or with categories (the
  activity type's category is taken off by the property's value). The rest (series masters,
  which the delta never lists, and those singles) is read with ``GET /events/{id}`` with the
  two extended properties expanded, and ``/instances`` for series (exceptions; occurrences the
  rule yields but Graph no longer lists are the deleted ones), all through ``$batch``. A
  complete listing reads everything: after a lost status or a move from EWS, the identity of
  every entry is what pairs it again.
* Writing: ``$batch`` of at most 20; ``If-Match`` with the version we know, so a change we have
  not seen is never overwritten (412 -> ``StaleVersion``); for a series, the master first, then
  its exceptions and deleted occurrences on the instances matched by original start. An update
  sends only the fields whose mapping changed, so Outlook-only details survive.
* Ids are immutable ids (``Prefer: IdType="ImmutableId"``): they survive moves between folders.
"""

import dataclasses
import json
from datetime import datetime, timedelta
from urllib.parse import quote

from .. import errors, expansion
from .. import tz as tzmod
from ..engine import ChangeSet, Fetched, OpResult, Remote, Unreadable
from . import mapping as gm
from . import meetings
from .client import PREFER, GraphClient
from .writes import SeriesWriter


@dataclasses.dataclass
class GraphSettings:
    """What the company's Office 365 settings provide (secrets never logged)."""

    tenant: str
    client_id: str
    client_secret: str = dataclasses.field(repr=False, default="")
    login_url: str = "https://login.microsoftonline.com"
    graph_url: str = "https://graph.microsoft.com"
    verify: bool | str = True  # a CA bundle path for a private CA (tests, proxies)
    timeout: float = 30.0
    # The longest Retry-After slept inside a run: none, by default. A worker that slept for the
    # server would hold the other mailboxes up; the mailbox is postponed instead.
    max_wait: float = 0.0
    page_size: int = 500  # events per delta page (Prefer odata.maxpagesize)
    horizon_days: int = 400  # how far ahead the delta window reaches
    min_ahead_days: int = 180  # start a new round when the window ends sooner than this


def _now():
    return datetime.now(tzmod.UTC)


def _stamp(moment):
    return moment.astimezone(tzmod.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class GraphSide:
    """The calendar of ``mailbox`` in Exchange Online."""

    name = "exchange"
    batch_size = 20  # one $batch per engine batch
    # Graph invites whoever an event is written with, and has no way not to (``meetings``).
    invites_with_attendees = True
    # A create carries a transactionId made of its identity: Graph carries it out once, so
    # the engine need not look the identity up before creating (see engine/matching.py).
    idempotent_creates = True

    def __init__(self, settings, mailbox, client=None):
        self.settings = settings
        self.mailbox = mailbox
        self.client = client or GraphClient(settings)
        self.user = "/users/%s" % quote(mailbox, safe="@")
        self._current = {}  # id -> CalendarItem as last fetched (for minimal PATCH bodies)
        self._listed = {}  # id -> event JSON the last incremental delta gave in full

    # -- listing ---------------------------------------------------------------------------

    def _window(self, window):
        start = window.start - timedelta(days=1)
        end = (window.end or _now()) + timedelta(days=self.settings.horizon_days)
        return start, end

    def _still_valid(self, state, window):
        start, end = datetime.fromisoformat(state["start"]), datetime.fromisoformat(state["end"])
        wanted_end = (window.end or _now()) + timedelta(days=self.settings.min_ahead_days)
        return start <= window.start and end >= wanted_end

    def _state(self, token):
        """The round a token stands for; SyncStateInvalid for one that is not ours (an EWS
        state after the company moved to Office 365, or a damaged value)."""
        try:
            state = json.loads(token)
            datetime.fromisoformat(state["start"]), datetime.fromisoformat(state["end"])
            if not str(state["link"]).startswith(self.client.base):
                raise ValueError("another server's link")
        except (ValueError, TypeError, KeyError):
            raise errors.SyncStateInvalid(
                "The stored sync state of mailbox %s is not a Microsoft Graph one; the "
                "calendar is read again in full." % self.mailbox,
                mailbox=self.mailbox,
            ) from None
        return state

    def list_changes(self, token, window):
        state = self._state(token) if token else None
        if state is not None and not self._still_valid(state, window):
            state = None  # the window moved past what this round covers: start a new one
        if state is None:
            start, end = self._window(window)
            url = "%s/calendarView/delta?startDateTime=%s&endDateTime=%s" % (
                self.user,
                _stamp(start),
                _stamp(end),
            )
            state = {"start": start.isoformat(), "end": end.isoformat()}
            complete = True
        else:
            url, complete = state["link"], False
        changed, removed = {}, set()
        self._listed = {}
        while True:
            body = self.client.request(
                "GET",
                url,
                mailbox=self.mailbox,
                headers={"Prefer": _prefer_page(self.settings.page_size)},
            )
            for event in body.get("value", ()):
                self._note(event, changed, removed)
                self._keep(event, complete)
            if body.get("@odata.nextLink"):
                url = body["@odata.nextLink"]
                continue
            state["link"] = body.get("@odata.deltaLink")
            break
        removed -= set(changed)
        return ChangeSet(changed, set() if complete else removed, json.dumps(state), complete)

    @staticmethod
    def _note(event, changed, removed):
        if "@removed" in event:
            removed.add(event["id"])
            return
        kind = event.get("type")
        if kind in ("occurrence", "exception"):
            # A changed instance is a change of its series; the master's etag is the version.
            changed.setdefault(event["seriesMasterId"], "")
        else:
            changed[event["id"]] = event.get("@odata.etag", "")

    def _keep(self, event, complete):
        """Remember a single event the delta gave in full, when it needs no second read."""
        event_id = event.get("id")
        self._listed.pop(event_id, None)  # a later line of the feed is newer
        full = event.get("type") == "singleInstance" and "subject" in event
        if complete or not full or "@removed" in event:
            return
        if event.get("transactionId") or event.get("categories"):
            return  # may carry our extended properties, which a delta never expands
        self._listed[event_id] = event

    # -- reading ---------------------------------------------------------------------------

    def _get_member(self, event_id):
        return {
            "method": "GET",
            "url": "%s/events/%s?$expand=%s" % (self.user, event_id, quote(gm.EXPAND)),
        }

    def _check(self, status, body, item=None):
        if status >= 400:
            raise self.client.error(status, body, self.mailbox, item)

    def fetch(self, ids):
        ids = list(dict.fromkeys(ids))
        # Each delta line serves once: a later read of the same id (after our own write, or
        # to name what is deleted) goes to the server.
        events = {i: self._listed.pop(i) for i in ids if i in self._listed}
        ids = [i for i in ids if i not in events]
        answers = self.client.batch([self._get_member(i) for i in ids], mailbox=self.mailbox)
        for event_id, (status, _headers, body) in zip(ids, answers, strict=True):
            code = ((body or {}).get("error") or {}).get("code")
            if status == 404 and code in ("ErrorItemNotFound", "ResourceNotFound"):
                continue  # gone: absent from the answer, as the interface says
            # Anything else that failed must not look like a deletion: stop the run.
            self._check(status, body, event_id)
            events[event_id] = body
        masters = [i for i, e in events.items() if e.get("type") == "seriesMaster"]
        instances = self.instances(masters, events)
        out = {}
        for event_id, event in events.items():
            listed, horizon = instances.get(event_id, (None, None))
            try:
                item = gm.to_item(event, listed, horizon)
            except (ValueError, TypeError, KeyError) as exc:
                # That entry's error, not the mailbox's: the others are read all the same.
                error = errors.PermanentError(
                    "The Exchange entry cannot be read: %s" % (exc,),
                    item=event_id,
                    mailbox=self.mailbox,
                )
                out[event_id] = Unreadable(error, str(event.get("subject") or ""))
                continue
            self._current[event_id] = item
            item, meeting = meetings.describe(event, item, self.mailbox)
            out[event_id] = Fetched(
                version=event.get("@odata.etag", ""),
                item=item,
                identity=gm.identity_of(event),
                uid=event.get("iCalUId"),
                last_modified=gm.parse_stamp(event.get("lastModifiedDateTime")),
                meeting=meeting,
            )
        return out

    def _horizon(self):
        return _now() + timedelta(days=self.settings.horizon_days)

    def series_horizon(self, event):
        """How far to list a series' instances: past its last occurrence when it has one
        (COUNT/UNTIL), else the horizon. Exceptions beyond that are not seen."""
        horizon = self._horizon()
        recurrence = event.get("recurrence") or {}
        if (recurrence.get("range") or {}).get("type") in ("numbered", "endDate"):
            try:
                item = gm.to_item(dict(event, recurrence=recurrence), None)
                starts = expansion.occurrences(item.recurrence.rrule, item.start, item.timezone)
            except ValueError:
                return horizon
            if starts:
                last = tzmod.as_utc(starts[-1], item.timezone)
                return max(horizon, last + timedelta(days=2))
        return horizon

    def instances(self, masters, events):
        """{master id: (its instances from its first start, the end of that listing)}."""
        if not masters:
            return {}
        members, horizons = [], {}
        for master_id in masters:
            first = gm.parse_time(events[master_id]["start"]) - timedelta(days=1)
            horizons[master_id] = self.series_horizon(events[master_id])
            members.append(
                {
                    "method": "GET",
                    "url": "%s/events/%s/instances?startDateTime=%s&endDateTime=%s&$top=1000"
                    % (self.user, master_id, _stamp(first), _stamp(horizons[master_id])),
                }
            )
        out = {}
        answers = self.client.batch(members, mailbox=self.mailbox)
        for master_id, (status, _headers, body) in zip(masters, answers, strict=True):
            self._check(status, body, master_id)
            values = list(body.get("value", ()))
            link = body.get("@odata.nextLink")
            while link:
                page = self.client.request("GET", link, mailbox=self.mailbox)
                values.extend(page.get("value", ()))
                link = page.get("@odata.nextLink")
            out[master_id] = (values, horizons[master_id])
        return out

    # -- writing ---------------------------------------------------------------------------

    def _result(self, status, body, item_id=None):
        if status is None:  # the answer was lost and the item was not found (see above)
            return OpResult.failure(body)
        if status >= 400:
            return OpResult.failure(self.client.error(status, body, self.mailbox, item_id))
        return OpResult.success(
            Remote(body["id"], body.get("@odata.etag", ""), uid=body.get("iCalUId"))
        )

    # A Side's create, not the ORM's: there is no super to call.
    # pylint: disable-next=method-required-super
    def create(self, batch, send=(), uids=None):
        """Create ``(identity, item)`` pairs. ``send`` and ``uids`` are the EWS backend's:
        Graph sends the invitations of every event written with attendees, and sets the UID
        itself (``Remote.uid`` says which)."""
        members, slots, results = [], [], [None] * len(batch)
        for index, (identity, item) in enumerate(batch):
            try:
                body = gm.to_event(item, identity)
            except ValueError as exc:
                results[index] = OpResult.failure(
                    errors.PermanentError(str(exc), mailbox=self.mailbox)
                )
                continue
            members.append({"method": "POST", "url": self.user + "/calendar/events", "body": body})
            slots.append(index)
        try:
            answers = self.client.batch(members, mailbox=self.mailbox) if members else []
        except errors.SyncError as lost:
            if lost.mailbox_wide:
                raise
            answers = self._after_lost_creates([batch[i][0] for i in slots], lost)
        writer = SeriesWriter(self)
        for index, (status, _headers, body) in zip(slots, answers, strict=True):
            results[index] = self._result(status, body)
            item = batch[index][1]
            if results[index].ok and item.recurrence is not None:
                writer.add(index, results[index].remote.id, item, None, created=True)
        for index, result in writer.run().items():
            results[index] = result
        return results

    def _after_lost_creates(self, identities, lost):
        """Answers for creates whose ``$batch`` answer was lost (or failed as a whole): what
        the server made is found by identity (a read, safe to send); the rest fails for now,
        and the next run looks again before it creates anything, with the same transactionId
        (Graph answers the event made meanwhile instead of a second one)."""
        found = self.find_by_identity([i for i in identities if i])
        failed = errors.AnswerLost(
            "%s Whether the entry was made there is checked again on the next run." % lost,
            mailbox=self.mailbox,
        )
        answers = []
        for identity in identities:
            remote = found.get(identity) if identity else None
            if remote is None:
                answers.append((None, {}, failed))
            else:
                answers.append((201, {}, {"id": remote.id, "@odata.etag": remote.version}))
        return answers

    def update(self, batch, send=()):
        """Overwrite ``(id, version, item)``; Graph sends an organizer's updates whatever
        ``send`` says (see ``create``)."""
        members, results = [], [None] * len(batch)
        slots = []
        for index, (item_id, version, item) in enumerate(batch):
            self._listed.pop(item_id, None)  # no longer what the delta said
            try:
                wanted = gm.to_event(item)
            except ValueError as exc:
                results[index] = OpResult.failure(
                    errors.PermanentError(str(exc), item=item_id, mailbox=self.mailbox)
                )
                continue
            current = self._current.get(item_id)
            if current is not None:
                wanted = gm.changed_body(wanted, gm.to_event(current))
            members.append(
                {
                    "method": "PATCH",
                    "url": "%s/events/%s" % (self.user, item_id),
                    "body": wanted,
                    "headers": {"If-Match": version} if version else {},
                }
            )
            slots.append(index)
        answers = self._writes(members)
        writer = SeriesWriter(self)
        for index, (status, _headers, body) in zip(slots, answers, strict=True):
            item_id, _version, item = batch[index]
            results[index] = self._result(status, body, item_id)
            if results[index].ok and item.recurrence is not None:
                writer.add(index, item_id, item, self._current.get(item_id))
            if results[index].ok:
                self._current.pop(item_id, None)
        for index, result in writer.run().items():
            results[index] = result
        return results

    def delete(self, batch, send=()):
        """Delete ``(id, version)``; Graph cancels an organizer's meeting whatever ``send``
        says (see ``create``)."""
        for item_id, _version in batch:
            self._listed.pop(item_id, None)
        members = [
            {
                "method": "DELETE",
                "url": "%s/events/%s" % (self.user, item_id),
                "headers": {"If-Match": version} if version else {},
            }
            for item_id, version in batch
        ]
        answers = self._writes(members)
        results = []
        for (item_id, _version), (status, _headers, body) in zip(batch, answers, strict=True):
            if status is None:
                results.append(OpResult.failure(body))
            elif status >= 400:
                results.append(
                    OpResult.failure(self.client.error(status, body, self.mailbox, item_id))
                )
            else:
                results.append(OpResult.success())
        return results

    def _writes(self, members):
        """The answers of a ``$batch`` of updates or deletes; one whose answer was lost fails
        for each of its items (the next run reads them again and sees what happened)."""
        try:
            return self.client.batch(members, mailbox=self.mailbox) if members else []
        except errors.SyncError as lost:
            if lost.mailbox_wide:
                raise
            return [(None, {}, lost)] * len(members)

    def respond(self, batch):
        """``[(id, response, send)]``: the owner answers somebody else's meeting (``meetings``)."""
        return meetings.respond(self, batch)

    def find_by_identity(self, identities):
        identities = list(dict.fromkeys(identities))
        members = []
        for identity in identities:
            literal = identity.replace("'", "''")
            query = "singleValueExtendedProperties/Any(ep: ep/id eq '%s' and ep/value eq '%s')"
            members.append(
                {
                    "method": "GET",
                    "url": "%s/calendar/events?$filter=%s&$select=id"
                    % (self.user, quote(query % (gm.IDENTITY_PROP, literal))),
                }
            )
        answers = self.client.batch(members, mailbox=self.mailbox) if members else []
        found = {}
        for identity, (status, _headers, body) in zip(identities, answers, strict=True):
            self._check(status, body)
            values = body.get("value") or []
            if values:
                found[identity] = Remote(values[0]["id"], values[0].get("@odata.etag", ""))
        return found


def _prefer_page(size):
    return "%s, odata.maxpagesize=%d" % (PREFER, size)
