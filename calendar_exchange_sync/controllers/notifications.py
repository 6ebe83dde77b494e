"""The public endpoints Exchange calls when a synchronised mailbox changes (real-time updates).

``/calendar_exchange_sync/notify/graph/<id>/<token>``
    Microsoft Graph: the validation handshake (``?validationToken=``, answered ``text/plain``),
    then change and lifecycle notifications (answered 202).
``/calendar_exchange_sync/notify/ews/<id>/<token>``
    Exchange on premises: ``SendNotification`` (push), answered ``SendNotificationResult``
    OK, or Unsubscribe for a subscription we no longer know (that is how a push subscription
    ends).

Exchange has no Odoo session, so the routes are ``auth="none"`` and trust nothing that is not
vouched for: the URL names one subscription record and carries its secret token (compared in
constant time; a new one for every subscription made), Graph's notifications must carry that
subscription's id and ``clientState``, EWS's its SubscriptionId. Unknown subscriptions, wrong
secrets and bodies over :data:`MAX_BODY` are refused; of a genuine notification nothing is used
but "this mailbox changed" (or, on Graph, "renew" / "subscribe again"). The request makes no
call to Exchange and does no sync work: it marks the mailbox and triggers the sync cron, then
answers at once.

Databases: routes of an addon exist only once Odoo knows the request's database, i.e. on a
server serving one database or with a ``dbfilter`` that picks it (by host name, as usual for
a public server). The URL also names the database (``?db=``): a request that reached another
database is refused rather than looked up there.
"""

import logging

from odoo import http
from odoo.http import request

from ..sync.ews import push
from ..sync.graph import subscriptions as graph

_logger = logging.getLogger(__name__)

MAX_BODY = 128 * 1024
MAX_TOKEN = 1024  # a validation token longer than this is not Graph's
GRAPH_ROUTE = "/calendar_exchange_sync/notify/graph/<int:subscription_id>/<string:token>"
EWS_ROUTE = "/calendar_exchange_sync/notify/ews/<int:subscription_id>/<string:token>"
PLAIN = (("Content-Type", "text/plain; charset=utf-8"), ("X-Content-Type-Options", "nosniff"))


def _answer(body, status, headers=PLAIN):
    return request.make_response(body, headers=list(headers), status=status)


def _body():
    """The request body, or None when it is over the limit or of unknown length (Graph and
    Exchange send a Content-Length; a chunked body would have to be read to be measured)."""
    announced = request.httprequest.content_length
    if announced is None or announced > MAX_BODY:
        return None
    return request.httprequest.get_data()


def _subscription(protocol, subscription_id, token, db):
    """The subscription the URL names in this database, or None."""
    if not request.db or (db and db != request.db):
        return None
    found = (
        request.env["calendar.exchange.subscription"]
        .sudo()
        ._from_url(protocol, subscription_id, token)
    )
    return found or None


class ExchangeNotificationController(http.Controller):
    @http.route(
        GRAPH_ROUTE,
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        save_session=False,
        readonly=False,
    )
    def graph_notification(self, subscription_id, token, db=None, validationToken=None, **_kw):
        subscription = _subscription("graph", subscription_id, token, db)
        if subscription is None:
            return _answer("", 404)
        if validationToken is not None:
            # The handshake: Graph waits at most 10 s for its token back, as plain text.
            if len(validationToken) > MAX_TOKEN:
                return _answer("", 400)
            return _answer(validationToken, 200)
        data = _body()
        if data is None:
            return _answer("", 413)
        try:
            notifications = graph.read_notifications(data)
        except graph.BadNotification as error:
            subscription._log_refused(str(error))
            return _answer("", 400)
        pending = subscription.state == "pending"
        verdict = graph.judge(
            notifications, None if pending else subscription.remote_id, subscription.client_state
        )
        if verdict.forged:
            subscription._log_refused(
                "%d notification(s) without this subscription's id and clientState" % verdict.forged
            )
        if not verdict.genuine:
            return _answer("", 403)
        subscription._note_call(verdict.changed)
        subscription._note_lifecycle(verdict)
        return _answer("", 202)

    @http.route(
        EWS_ROUTE,
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        save_session=False,
        readonly=False,
    )
    def ews_notification(self, subscription_id, token, db=None, **_kw):
        subscription = _subscription("ews", subscription_id, token, db)
        if subscription is None:
            # Not one of ours (any more): the answer that ends a push subscription.
            return self._soap(push.answer(False))
        data = _body()
        if data is None:
            return _answer("", 413)
        try:
            notices = push.read(data)
        except push.BadNotification as error:
            subscription._log_refused(str(error))
            return _answer("", 400)
        verdict = push.judge(
            notices, subscription.remote_id, pending=subscription.state == "pending"
        )
        if not verdict.keep:
            return self._soap(push.answer(False))
        subscription._note_call(verdict.changed, verdict.watermark)
        return self._soap(push.answer(True))

    @staticmethod
    def _soap(body):
        return _answer(body, 200, [("Content-Type", "text/xml; charset=utf-8")])
