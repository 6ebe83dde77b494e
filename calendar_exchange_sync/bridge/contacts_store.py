"""The engine's ``StatusStore`` for one mailbox's contacts: the calendar's store
(``binding_store``) on ``calendar.exchange.contact.binding`` rows and the mailbox's two
contacts tokens. Saved means "in this transaction": the cron commits per mailbox.
"""

from .binding_store import BindingStore, queries_for
from .contacts_side import parse_id

ROW_FIELDS = (
    "local_id",
    "remote_id",
    "local_version",
    "remote_version",
    "item_hash",
    "recheck",
    "verify_side",
)


class ContactBindingStore(BindingStore):
    """``state`` ({"local": token, "remote": token}) holds the tokens as the run found them;
    the tokens the engine sets are kept in ``token_changes`` for one write of the mailbox."""

    MODEL = "calendar.exchange.contact.binding"
    ROW_FIELDS = ROW_FIELDS
    QUERIES = queries_for("calendar_exchange_contact_binding", ROW_FIELDS)
    LOCAL_RECORD = "partner_id"

    @staticmethod
    def _local_record_id(local_id):
        return parse_id(local_id)

    def get_token(self, side):
        return self.state.get(side) or None

    def set_token(self, side, token):
        if token != self.get_token(side):
            self.state[side] = token
            self.token_changes["contacts_%s_token" % side] = token or False
