"""JSON ``$batch``: up to 20 Graph calls in one HTTP request.

Members run in order through the same gate as plain calls (mailbox, access policy,
concurrency, faults), each answering with its own status, headers and body. A member whose
``dependsOn`` names a member that failed (status >= 400) is not run and answers
424 Failed Dependency, as Graph does. Member URLs are relative to ``/v1.0``.
"""

import json
from urllib.parse import unquote, urlsplit

from .request import Call, GraphError

MAX_REQUESTS = 20


def run(app, call, claims, base, entry, environ):
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
    entry.items = len(members)
    statuses, responses = {}, []
    for member in members:
        member_id = str(member["id"])
        depends = member.get("dependsOn") or []
        unknown = [d for d in depends if str(d) not in ids]
        if unknown:
            raise GraphError(400, "BadRequest", "dependsOn names an unknown request id.")
        failed = [d for d in depends if statuses.get(str(d), 0) >= 400 or str(d) not in statuses]
        if failed:
            status, payload, headers = (
                424,
                _error_body("FailedDependency", "A request this one depends on failed."),
                [],
            )
        else:
            status, payload, headers = _one(app, member, claims, base, entry)
        statuses[member_id] = status
        answer = {"id": member_id, "status": status, "headers": dict(headers)}
        if payload is not None:
            answer["body"] = payload
            answer["headers"].setdefault("Content-Type", "application/json")
        responses.append(answer)
        if status >= 400:
            entry.errors.append(
                (payload or {}).get("error", {}).get("code", str(status))
                if payload
                else str(status)
            )
    entry.items = len(members)  # the members' handlers counted themselves too
    return 200, {"responses": responses}, []


def _error_body(code, message):
    return {"error": {"code": code, "message": message}}


def _one(app, member, claims, base, entry):
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
        return app.handle(call, claims, base, entry, inner=True)
    except GraphError as exc:
        return exc.status, exc.body(app.sim.store.clock.now()), exc.headers
