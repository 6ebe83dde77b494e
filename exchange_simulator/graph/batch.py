"""JSON ``$batch``: up to 20 Graph calls in one HTTP request, run the way Graph runs them.

From Microsoft Learn ("Combine multiple HTTP requests using JSON batching", "Microsoft Graph
throttling guidance", "Outlook service batching" in the throttling limits):

- a member with a ``body`` needs a ``Content-Type`` header, and a write (POST, PATCH, PUT)
  needs a body: otherwise the whole batch is refused with 400 before anything runs;
- members without ``dependsOn`` run in parallel, four at a time for Outlook resources; each
  running member holds one of the mailbox's four concurrent slots, so next to other calls on
  the same mailbox some members answer 429 (with their own Retry-After) while others succeed;
- a member whose ``dependsOn`` names a member that failed (status >= 400) is not run and
  answers 424 Failed Dependency;
- the answers come in any order (here shuffled by a random generator seeded from the seed's
  ``server.batch_order_seed``, 0 by default, so a test run is repeatable).

Member URLs are relative to ``/v1.0``.
"""

import json
import random
from contextlib import ExitStack
from urllib.parse import unquote, urlsplit

from .request import Call, GraphError

MAX_REQUESTS = 20
PARALLEL = 4  # members Graph runs at once against Outlook resources
WRITES = {"POST", "PATCH", "PUT"}


def shuffler(simulator):
    """The random generator that orders the answers of every batch of one simulator."""
    return random.Random(simulator.seed.server.get("batch_order_seed", 0))


def run(app, call, claims, base, entry, environ):
    members = _members(call)
    entry.items = len(members)
    statuses, answers = {}, {}
    pending = list(members)
    while pending:
        wave = _wave(pending, statuses)
        with ExitStack() as slots:  # the wave's members hold their slots together
            for member in wave:
                member_id = str(member["id"])
                failed = [d for d in member.get("dependsOn") or () if statuses[str(d)] >= 400]
                if failed:
                    status, payload, headers = (
                        424,
                        _error_body("FailedDependency", "A request this one depends on failed."),
                        [],
                    )
                else:
                    status, payload, headers = _one(app, member, claims, base, entry, slots)
                statuses[member_id] = status
                answers[member_id] = _answer(member_id, status, payload, headers)
                if status >= 400:
                    entry.errors.append(((payload or {}).get("error") or {}).get("code")
                                        or str(status))  # fmt: skip
        pending = [m for m in pending if str(m["id"]) not in statuses]
    entry.items = len(members)  # the members' handlers counted themselves too
    responses = [answers[str(m["id"])] for m in members]
    with app.batch_lock:
        app.batch_order.shuffle(responses)
    return 200, {"responses": responses}, []


def _members(call):
    """The members of a well-formed batch (GraphError 400 for one Graph refuses whole)."""
    body = call.body if isinstance(call.body, dict) else {}
    members = body.get("requests")
    if not isinstance(members, list) or not members:
        raise GraphError(400, "BadRequest", "Invalid batch payload format.")
    if len(members) > MAX_REQUESTS:
        raise GraphError(
            400,
            "BadRequest",
            "The number of requests in the batch exceeds the limit of %d." % MAX_REQUESTS,
        )
    ids = [str(m.get("id", "")) for m in members]
    if len(set(ids)) != len(ids) or "" in ids:
        raise GraphError(400, "BadRequest", "Every batch request needs a unique id.")
    for member in members:
        if any(str(d) not in ids for d in member.get("dependsOn") or ()):
            raise GraphError(400, "BadRequest", "dependsOn names an unknown request id.")
        headers = {str(k).lower() for k in (member.get("headers") or {})}
        has_body = member.get("body") is not None
        write = str(member.get("method", "GET")).upper() in WRITES
        if (has_body and "content-type" not in headers) or (write and not has_body):
            raise GraphError(
                400,
                "BadRequest",
                "Write request id : %s does not contain Content-Type header or body."
                % member["id"],
            )
    return members


def _wave(pending, statuses):
    """The next members to run side by side: at most four whose dependencies have answered."""
    wave = []
    for member in pending:
        if all(str(d) in statuses for d in member.get("dependsOn") or ()):
            wave.append(member)
            if len(wave) == PARALLEL:
                break
    if not wave:  # a dependency cycle: Graph refuses it, so do we
        raise GraphError(400, "BadRequest", "The dependsOn of the batch requests form a cycle.")
    return wave


def _answer(member_id, status, payload, headers):
    answer = {"id": member_id, "status": status, "headers": dict(headers)}
    if payload is not None:
        answer["body"] = payload
        answer["headers"].setdefault("Content-Type", "application/json")
    return answer


def _error_body(code, message):
    return {"error": {"code": code, "message": message}}


def _one(app, member, claims, base, entry, slots):
    url = str(member.get("url", ""))
    parts = urlsplit(url if url.startswith("/") else "/" + url)
    path = unquote(parts.path)
    if path.startswith("/v1.0/"):
        path = path[len("/v1.0") :]
    headers = {str(k): str(v) for k, v in (member.get("headers") or {}).items()}
    body = member.get("body")
    raw = b"" if body is None else json.dumps(body).encode()
    try:
        call = Call.parse(str(member.get("method", "GET")), path, parts.query, headers, raw)
        if path == "/$batch":
            raise GraphError(400, "BadRequest", "A batch cannot contain another batch.")
        return app.handle(call, claims, base, entry, inner=True, hold=slots)
    except GraphError as exc:
        return exc.status, exc.body(app.sim.store.clock.now()), exc.headers
