"""``transactionId``: Graph's guard against a create sent again after its answer was lost.

The ``event`` resource on Microsoft Learn: a custom identifier a client app sets "for the
server to avoid redundant POST operations in case of client retries to create the same
event"; it cannot be changed afterwards, and it is returned only when an app set it. A POST
carrying the transactionId of an event that is still in the mailbox creates nothing and
answers that event.
"""

import threading

from ..store import ItemNotFound


class Transactions:
    """transactionId -> store id per mailbox, built from the store on first use."""

    def __init__(self, store):
        self.store = store
        self._lock = threading.Lock()
        self._known = {}

    def _index(self, smtp):
        key = smtp.lower()
        if key not in self._known:
            self._known[key] = {
                i.extra["transaction_id"]: i.id
                for i in self.store.items(smtp)
                if i.extra.get("transaction_id")
            }
        return self._known[key]

    def create(self, smtp, values, create):
        """``(item, created)``: the event this create stands for, made by ``create()`` unless
        an event with the same transactionId is still there."""
        tid = (values.get("extra") or {}).get("transaction_id")
        if not tid:
            return create(), True
        with self._lock:
            known = self._index(smtp)
            if tid in known:
                try:
                    return self.store.get_item(smtp, known[tid]), False
                except ItemNotFound:
                    pass  # deleted since: a new event, as nothing stands in its way
            item = create()
            known[tid] = item.id
            return item, True
