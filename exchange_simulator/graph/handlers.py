"""Graph routes on one mailbox: the user, its calendar, and events by id.

Each handler takes a :class:`Context` and returns ``(status, body, extra headers)``; errors are
raised as :class:`~exchange_simulator.graph.request.GraphError` with Graph's codes
(ErrorItemNotFound 404, ErrorIrresolvableConflict 412, ErrorInvalidRequest 400 ...).
"""

import uuid
from dataclasses import dataclass
from urllib.parse import urlencode

from ..recurrence import occurrence_starts
from ..store import ChangeKeyMismatch, ItemNotFound
from . import events, meeting_actions
from .request import GraphError


def object_id(smtp):
    """A stable Entra object id for a user (Graph accepts it in place of the UPN)."""
    return str(uuid.uuid5(uuid.NAMESPACE_DNS, smtp.lower()))


@dataclass
class Context:
    app: object  # the GraphApp
    call: object  # the Call
    smtp: str
    params: dict
    base: str
    entry: object
    fault: object = None

    @property
    def store(self):
        return self.app.sim.store

    def url(self, path, **query):
        text = "%s/v1.0%s" % (self.base, path)
        return text + ("?" + urlencode(query) if query else "")

    def context_url(self, what):
        return "%s/v1.0/$metadata#users('%s')/%s" % (self.base, self.params["user"], what)

    def store_id(self):
        store_id = events.from_graph_id(self.params["id"])
        if store_id is None:
            raise GraphError(400, "ErrorInvalidIdMalformed", "Id is malformed.")
        return store_id

    def render(self, item):
        return events.to_event(item, self.call.view)


def _not_found():
    return GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.")


def _conflict():
    return GraphError(
        412,
        "ErrorIrresolvableConflict",
        "The send or update operation could not be performed because the change key passed in "
        "the request does not match the current change key for the item.",
    )


def page(ctx, rows, what, path, extra_query=None):
    """A collection answer with ``$top``/``$skip`` paging and ``@odata.nextLink``."""
    call = ctx.call
    try:
        skip = int(call.query.get("$skip", 0))
        size = int(call.query.get("$top", call.page_size))
    except ValueError:
        raise GraphError(400, "BadRequest", "$top and $skip must be numbers.") from None
    chunk = rows[skip : skip + size]
    body = {"@odata.context": ctx.context_url(what), "value": chunk}
    if skip + size < len(rows):
        query = {k: v for k, v in call.query.items() if k != "$skip"}
        query.update(extra_query or {})
        query["$skip"] = str(skip + size)
        body["@odata.nextLink"] = ctx.url(path, **query)
    return 200, body, []


def get_user(ctx):
    user = ctx.app.sim.seed.find_user(ctx.smtp)
    return (
        200,
        {
            "@odata.context": "%s/v1.0/$metadata#users/$entity" % ctx.base,
            "id": object_id(ctx.smtp),
            "displayName": user.display_name if user else ctx.smtp,
            "mail": ctx.smtp,
            "userPrincipalName": user.upn if user else ctx.smtp,
        },
        [],
    )


def get_calendar(ctx):
    return (
        200,
        {
            "@odata.context": ctx.context_url("calendar/$entity"),
            "id": events.to_graph_id(ctx.store.folder_id(ctx.smtp), ctx.call.view.immutable),
            "name": "Calendar",
            "canEdit": True,
            "owner": {"name": ctx.call.view.mailbox_name, "address": ctx.smtp},
        },
        [],
    )


def list_events(ctx):
    """Singles and series masters; ``$filter`` on one extended property as Graph allows."""
    wanted = ctx.call.ext_filter()
    items = sorted(ctx.store.items(ctx.smtp), key=lambda i: (i.created, i.id))
    if wanted is not None:
        key, value = wanted
        items = [i for i in items if i.extended_properties.get(key) == value]
    rows = [ctx.render(i) for i in items]
    return page(ctx, rows, "events", "/users/%s/events" % ctx.params["user"])


def _values(ctx, partial):
    try:
        values = events.to_store(ctx.call.body, partial=partial)
    except events.EventError as exc:
        raise GraphError(400, exc.code, exc.message) from None
    return values


def _check(values):
    try:
        events.check_all_day(values)
    except events.EventError as exc:
        raise GraphError(400, exc.code, exc.message) from None
    if values.get("start") and values.get("end") and values["end"] < values["start"]:
        raise GraphError(400, "ErrorInvalidRequest", "The end of an event is before its start.")


def create_event(ctx):
    values = _values(ctx, partial=False)
    _check(values)
    item, created = ctx.app.transactions.create(
        ctx.smtp, values, lambda: ctx.store.create_item(ctx.smtp, values)
    )
    ctx.entry.items += int(created)
    if created:
        item = meeting_actions.after_create(ctx, item)  # Graph always sends the invitations
    return 201, ctx.render(item), [("Location", ctx.url("/users/%s/events/%s" % (
        ctx.params["user"], events.to_graph_id(item.id, ctx.call.view.immutable))))]  # fmt: skip


def _get(ctx):
    try:
        return ctx.store.get_item(ctx.smtp, ctx.store_id())
    except ItemNotFound:
        raise _not_found() from None


def get_event(ctx):
    return 200, ctx.render(_get(ctx)), []


def patch_event(ctx):
    current = _get(ctx)
    changes = _values(ctx, partial=True)
    if "extra" in changes:
        tid = changes["extra"].get("transaction_id")
        if tid is not None and tid != current.extra.get("transaction_id"):
            raise GraphError(400, "ErrorInvalidRequest", "The transactionId cannot be changed.")
        changes["extra"] = {**current.extra, **changes["extra"]}  # body kind, transactionId
    if "extended_properties" in changes:
        # Graph adds or replaces the properties named; others stay.
        changes["extended_properties"] = {
            **current.extended_properties,
            **changes["extended_properties"],
        }
    merged = {
        "start": changes.get("start", current.start),
        "end": changes.get("end", current.end),
        "start_tz": changes.get("start_tz", current.start_tz),
        "end_tz": changes.get("end_tz", current.end_tz),
        "is_all_day": changes.get("is_all_day", current.is_all_day),
    }
    _check(merged)
    if current.master_id and "recurrence" in changes:
        raise GraphError(400, "ErrorInvalidRequest", "An occurrence cannot have a recurrence.")
    ctx.entry.items += 1
    try:
        item = ctx.store.update_item(ctx.smtp, ctx.store_id(), changes, ctx.call.if_match())
    except ItemNotFound:
        raise _not_found() from None
    except ChangeKeyMismatch:
        raise _conflict() from None
    item = meeting_actions.after_patch(ctx, current, item)
    return 200, ctx.render(item), []


def delete_event(ctx):
    current = _get(ctx)
    ctx.entry.items += 1
    try:
        if not current.master_id and ctx.call.if_match() not in (None, current.change_key):
            raise ChangeKeyMismatch(current.id)  # before any cancellation goes out
        meeting_actions.before_delete(ctx, current)
        ctx.store.delete_item(ctx.smtp, ctx.store_id(), ctx.call.if_match())
    except ItemNotFound:
        raise _not_found() from None
    except ChangeKeyMismatch:
        raise _conflict() from None
    return 204, None, []


def instances(ctx):
    """Occurrences and exceptions of one series inside the requested window."""
    start, end = ctx.call.window()
    master = _get(ctx)
    if master.item_type != "RecurringMaster":
        raise GraphError(
            400, "ErrorInvalidRequest", "The instances of a non-recurring event were requested."
        )
    rows = [ctx.render(i) for i in series_instances(ctx.store, ctx.smtp, master, start, end)]
    path = "/users/%s/events/%s/instances" % (ctx.params["user"], ctx.params["id"])
    return page(ctx, rows, "events", path)


def series_instances(store, smtp, master, start, end):
    """Occurrences and exceptions of one series overlapping [start, end), in order.

    Read one by one through their occurrence ids rather than through a calendar view of the
    whole mailbox, which would cost as much as the mailbox is large.
    """
    duration = master.end - master.start
    out = []
    for original in occurrence_starts(master.recurrence, master.start, master.start_tz, until=end):
        if original in master.deleted_occurrences:
            continue
        override = master.modified_occurrences.get(original, {})
        if (
            override.get("start", original) >= end
            or override.get("end", original + duration) <= start
        ):
            continue
        try:
            out.append(store.get_item(smtp, store.occurrence_id(master.id, original)))
        except ItemNotFound:
            continue
    out.sort(key=lambda i: (i.start, i.id))
    return out
