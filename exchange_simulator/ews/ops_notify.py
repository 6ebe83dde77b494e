"""EWS notification operations: Subscribe (push) and Unsubscribe.

``Subscribe`` with a ``PushSubscriptionRequest`` on folders of the (impersonated) mailbox
answers a SubscriptionId and a Watermark; the calls to the subscriber's URL are
:mod:`.push`'s. Pull and streaming subscriptions are not offered here (answered
ErrorInvalidSubscriptionRequest): nothing this project builds uses them. ``Unsubscribe``
works for pull and streaming subscriptions only, so for a push subscription it answers
ErrorInvalidSubscription, as MS-OXWSNTIF says Exchange does.
"""

from urllib.parse import urlsplit

from .ops_folder import STORED, resolve_folder
from .push import PushError, push_for
from .soap import ItemError, ResponseBuilder, m, sub, t


def subscribe(ctx, op):
    out = ResponseBuilder("Subscribe")
    request = op[0]
    try:
        if request.tag != m("PushSubscriptionRequest"):
            raise ItemError(
                "ErrorInvalidSubscriptionRequest",
                "Only push subscriptions are offered by this server.",
            )
        folders = _folders(ctx, request)
        url = (request.findtext(t("URL")) or "").strip()
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ItemError(
                "ErrorInvalidPushSubscriptionUrl", "The push subscription URL is invalid."
            )
        kinds = {e.text.strip() for e in request.find(t("EventTypes")) if e.text}
        frequency = int(request.findtext(t("StatusFrequency")) or 30)
        mark = request.findtext(t("Watermark"))
        sub_id, watermark = push_for(ctx.simulator).subscribe(
            ctx.mailbox, folders, kinds, url, frequency, ctx.requested_version, mark
        )
    except (ItemError, PushError) as exc:
        out.error(exc.code, exc.text)
        return out
    message = out.success()
    sub(message, m("SubscriptionId"), sub_id)
    sub(message, m("Watermark"), watermark)
    return out


def _folders(ctx, request):
    everything = request.get("SubscribeToAllFolders") in ("true", "1")
    refs = request.find(t("FolderIds"))
    if everything == (refs is not None):
        raise ItemError(
            "ErrorInvalidSubscriptionRequest",
            "Give either FolderIds or SubscribeToAllFolders, not both or neither.",
        )
    names = STORED if everything else [resolve_folder(ctx, ref) for ref in refs]
    for name in names:
        if name not in STORED:
            raise ItemError(
                "ErrorInvalidSubscriptionRequest", "The folder %s cannot be subscribed to." % name
            )
    return {ctx.store.folder_id(ctx.mailbox, name): name for name in names}


def unsubscribe(ctx, op):
    out = ResponseBuilder("Unsubscribe")
    try:
        push_for(ctx.simulator).unsubscribe(ctx.mailbox, (op.findtext(m("SubscriptionId")) or ""))
    except PushError as exc:
        out.error(exc.code, exc.text)
        return out
    out.success()  # pragma: no cover - no pull or streaming subscription can get here
    return out
