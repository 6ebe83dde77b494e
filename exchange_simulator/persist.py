"""What a server keeps across a restart besides its items: ids, folders and the change log.

``--save`` writes the seed with the store's current content (:func:`seed.save_seed`); with
this module the file also holds each item's id, change key and timestamps, each mailbox's
folder ids and change log, and (in the seed's ``state``) the key that signs EWS sync states.
Started again from that file, the simulator is the same server: ids, change keys, EWS
SyncStates and Graph delta tokens issued before the restart still work, as they do when a
real Exchange restarts (its states live in the mailbox database, not in memory).

A friend of :class:`~exchange_simulator.store.Store`: it reads and sets the store's mailboxes
directly, under the store's lock.
"""

import copy

from .store_model import Item


def dump(store):
    """{smtp: {"folders", "seq", "log_floor", "log"}} of every mailbox."""
    with store._lock:
        return {
            box.smtp: {
                "folders": dict(box.folders),
                "seq": box.seq,
                "log_floor": box.log_floor,
                "log": [list(entry) for entry in box.log],
            }
            for box in store._mailboxes.values()
        }


def restore_mailbox(store, smtp, saved):
    """Give a (new, empty) mailbox its saved folder ids and change log."""
    with store._lock:
        box = store._mailbox(store.add_mailbox(smtp))
        box.folders = dict(saved["folders"])
        box.seq, box.log_floor = int(saved["seq"]), int(saved["log_floor"])
        box.log = [tuple(entry) for entry in saved["log"]]


def restore_item(store, smtp, values, folder="calendar"):
    """Put back an item with its own id, change key and timestamps (nothing is logged: the
    saved log already tells its history)."""
    with store._lock:
        box = store._mailbox(smtp)
        item = Item(**{k: copy.deepcopy(v) for k, v in values.items()})
        item.folder_id = box.folders[folder]
        box.items[item.id] = item
        return copy.deepcopy(item)
