"""``calendarView`` and ``calendarView/delta``: a window of the calendar, and its changes.

A delta round starts with ``startDateTime``/``endDateTime``; every answer carries either an
``@odata.nextLink`` (``$skiptoken``: more pages of this round) or an ``@odata.deltaLink``
(``$deltatoken``: the state to ask from next time). Tokens are opaque to clients; here they
hold the mailbox, the window, the change-log sequence and a paging cursor, so nothing is kept
per client on the server. Like Graph, a page may be empty and still have a nextLink (an
``empty_page`` fault forces one).

What a round lists: single events overlapping the window, and for each series its
``occurrence``/``exception`` instances in the window, never the ``seriesMaster`` itself: a
calendar view holds instances only (Microsoft Learn, "Get incremental changes to events in a
calendar view"), so a client reads the series through ``/events/{seriesMasterId}``. Occurrences
come in the brief form Graph uses in delta (ids, type, seriesMasterId and times); exceptions
come whole. Later rounds list what the change log says changed since the token (a changed
series shows again as its instances), and ``@removed`` entries for events deleted or moved
out of the window. A token older than what the change log remembers answers 410
``SyncStateNotFound``, after which the client must start a new round.
"""

import base64
import json
import threading

from ..store import ItemNotFound, SyncStateExpired
from . import events
from .handlers import page
from .request import GraphError, parse_instant


class ViewCache:
    """Expanded calendar views per (mailbox, window), valid while the mailbox is unchanged."""

    def __init__(self, store, size=16):
        self.store, self.size = store, size
        self._lock = threading.Lock()
        self._cache = {}

    def _get(self, key, build):
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        value = build()
        with self._lock:
            if len(self._cache) >= self.size:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = value
        return value

    def expanded(self, smtp, start, end):
        key = ("view", smtp.lower(), self.store.current_seq(smtp), start, end)
        return self._get(key, lambda: self.store.expand(smtp, start, end))

    def groups(self, smtp, start, end):
        """{top-level id: [single or master, instances...]} and the ids ordered by creation."""
        key = ("groups", smtp.lower(), self.store.current_seq(smtp), start, end)

        def build():
            grouped = {}
            for item in self.expanded(smtp, start, end):
                top = item.master_id or item.id
                if top not in grouped:
                    try:
                        head = item if not item.master_id else self.store.get_item(smtp, top)
                    except ItemNotFound:
                        continue
                    grouped[top] = [head]
                if item.master_id:
                    grouped[top].append(item)
            order = sorted(grouped, key=lambda i: (grouped[i][0].created, i))
            return grouped, order

        return self._get(key, build)


def _encode(state):
    raw = json.dumps(state, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(token):
    try:
        return json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except ValueError:
        raise GraphError(400, "BadRequest", "The delta or skip token is not valid.") from None


def _removed(ctx, store_id):
    return {
        "@odata.type": "#microsoft.graph.event",
        "id": events.to_graph_id(store_id, ctx.call.view.immutable),
        "@removed": {"reason": "deleted"},
    }


def _records(ctx, group, brief=True):
    ctx.call.view.brief = brief
    try:
        # A group is a single event, or a series master followed by its instances: the
        # master is no event of the calendar view.
        return [ctx.render(i) for i in group if i.item_type != "RecurringMaster"]
    finally:
        ctx.call.view.brief = False


def calendar_view(ctx):
    start, end = ctx.call.window()
    rows = [ctx.render(i) for i in ctx.app.views.expanded(ctx.smtp, start, end)]
    return page(ctx, rows, "events", "/users/%s/calendarView" % ctx.params["user"])


def calendar_view_delta(ctx):
    query = ctx.call.query
    token = query.get("$deltatoken") or query.get("$skiptoken")
    if token:
        state = _decode(token)
        if state.get("m") != ctx.smtp.lower():
            raise GraphError(
                410, "SyncStateNotFound", "The sync state is not valid for this mailbox."
            )
    else:
        start, end = ctx.call.window()
        seq = ctx.store.current_seq(ctx.smtp)
        state = {"m": ctx.smtp.lower(), "s": seq, "a": start.isoformat(), "b": end.isoformat()}
        state["c"] = None  # initial round, cursor before the first group
    start, end = parse_instant(state["a"]), parse_instant(state["b"])
    link = "/users/%s/calendarView/delta" % ctx.params["user"]
    if ctx.fault is not None and ctx.fault.kind == "empty_page":
        return _answer(ctx, [], link, "$skiptoken", state)
    if "c" in state:
        return _initial_page(ctx, state, start, end, link)
    return _incremental_page(ctx, state, start, end, link)


def _answer(ctx, rows, link, kind, state):
    body = {"@odata.context": ctx.context_url("events/delta"), "value": rows}
    name = "@odata.nextLink" if kind == "$skiptoken" else "@odata.deltaLink"
    body[name] = ctx.url(link, **{kind: _encode(state)})
    ctx.entry.items = len(rows)
    return 200, body, []


def _initial_page(ctx, state, start, end, link):
    grouped, order = ctx.app.views.groups(ctx.smtp, start, end)
    cursor = tuple(state["c"]) if state["c"] else None
    rows, last = [], None
    for top in order:
        head = grouped[top][0]
        key = (head.created.isoformat(), top)
        if cursor is not None and key <= cursor:
            continue
        records = _records(ctx, grouped[top])
        if rows and len(rows) + len(records) > ctx.call.page_size:
            state = dict(state, c=list(last))
            return _answer(ctx, rows, link, "$skiptoken", state)
        rows.extend(records)
        last = key
    done = {k: v for k, v in state.items() if k != "c"}
    if last is not None and len(rows) >= ctx.call.page_size:
        # Graph ends a full page with a nextLink even when nothing follows.
        return _answer(ctx, rows, link, "$skiptoken", dict(state, c=list(last)))
    return _answer(ctx, rows, link, "$deltatoken", done)


def _incremental_page(ctx, state, start, end, link):
    try:
        batch = ctx.store.changes_since(ctx.smtp, (state["s"], None), limit=ctx.call.page_size)
    except SyncStateExpired:
        raise GraphError(
            410,
            "SyncStateNotFound",
            "The sync state generation is no longer valid. Start a new synchronisation with a "
            "new request.",
        ) from None
    grouped, _ = ctx.app.views.groups(ctx.smtp, start, end)
    rows = []
    for kind, store_id in batch.changes:
        group = grouped.get(store_id) if kind != "delete" else None
        if group is None:
            rows.append(_removed(ctx, store_id))
            continue
        rows.extend(_records(ctx, group))
        head = group[0]
        for original in sorted(head.deleted_occurrences):
            if start <= original < end:
                rows.append(_removed(ctx, ctx.store.occurrence_id(head.id, original)))
    state = dict(state, s=batch.token[0])
    kind = "$skiptoken" if batch.more else "$deltatoken"
    return _answer(ctx, rows, link, kind, state)
