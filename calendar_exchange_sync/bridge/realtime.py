"""Company settings -> the real-time subscription calls of one mailbox (Graph or EWS push).

The ORM side (``calendar.exchange.subscription``) decides when to subscribe, renew or stop; the
calls themselves are ``sync.graph.subscriptions`` and ``sync.ews.push``. Every answer comes
back as a ``Subscribed`` with naive UTC datetimes, as Odoo stores them.
"""

import dataclasses
from datetime import datetime, timezone

from ..sync.ews import push
from ..sync.graph import subscriptions as graph
from .backends import connection_settings, ews_settings, graph_settings


@dataclasses.dataclass(frozen=True)
class Subscribed:
    id: str
    expires: datetime | None  # Graph: when it ends unless renewed (naive UTC)
    status_frequency: int = 0  # EWS: minutes between status pings


def protocol(company):
    """ "graph" for Office 365, "ews" for an on-premises Exchange."""
    return "graph" if company.sudo().exchange_version == "office365" else "ews"


def _naive(moment):
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment else None


def subscribe(company, mailbox, url, client_state=None):
    settings = connection_settings(company)
    if protocol(company) == "graph":
        made = graph.Subscriptions(graph_settings(settings)).create(mailbox, url, client_state)
        return Subscribed(made.id, _naive(made.expires))
    made = push.subscribe(ews_settings(settings), mailbox, url)
    return Subscribed(made.id, None, push.STATUS_FREQUENCY)


def renew(company, subscription_id, mailbox):
    """Graph only (a push subscription lives as long as its URL answers)."""
    api = graph.Subscriptions(graph_settings(connection_settings(company)))
    renewed = api.renew(subscription_id, mailbox)
    return Subscribed(renewed.id, _naive(renewed.expires))


def delete(company, subscription_id, mailbox):
    """Graph only: a push subscription ends when its next call is answered Unsubscribe."""
    graph.Subscriptions(graph_settings(connection_settings(company))).delete(
        subscription_id, mailbox
    )
