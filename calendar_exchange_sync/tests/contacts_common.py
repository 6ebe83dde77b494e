"""Fixtures of the contacts tests: the company syncing contacts, Alice and Bob with *Sync
contacts* on, and each user's Outlook contacts folder through the real backends."""

import copy

from ..sync.contacts import ContactItem
from .sync_common import GRAPH_SEED, GraphSimulatorCase, SimulatorCase

PERMISSIONS = ["Calendars.ReadWrite", "Contacts.ReadWrite"]


def graph_seed():
    data = copy.deepcopy(GRAPH_SEED)
    data["tenants"][0]["apps"][0]["permissions"] = list(PERMISSIONS)
    return data


class ContactsMixin:
    """Mixed into a simulator case (EWS or Graph)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.exchange_contacts_enabled = True
        manager = cls.env.ref("base.group_partner_manager")
        for user in (cls.alice, cls.bob):
            user.write({"group_ids": [(4, manager.id)]})
            user.with_user(user).exchange_contacts_enabled = True
        cls.Partner = cls.env["res.partner"]

    # -- Outlook ----------------------------------------------------------------------------

    def folder_id(self, mailbox, name="Odoo"):
        folders = self.sim.store.contact_folders(mailbox)
        found = [fid for fid, info in folders.items() if info["name"] == name]
        return found[0] if found else None

    def outlook_contacts(self, mailbox, name="Odoo"):
        """The contacts of the user's Odoo folder, as the server holds them."""
        folder = self.folder_id(mailbox, name)
        return self.sim.store.contacts(mailbox, folder) if folder else []

    def outlook_contact(self, mailbox, display_name):
        found = [c for c in self.outlook_contacts(mailbox) if c.display_name == display_name]
        self.assertEqual(len(found), 1, "%s in %s: %s" % (display_name, mailbox, found))
        return found[0]

    def outlook_add(self, mailbox, **values):
        """A contact the user adds in Outlook, in the Odoo folder (made if missing)."""
        side = self.contacts_side(mailbox)
        side.list_changes(None, None)  # finds or creates the folder, as the first run would
        item = ContactItem(**values)
        [result] = side.create([(None, item)])
        self.assertTrue(result.ok, result.error)
        return self.outlook_contact(mailbox, item.name or item.company).id  # the store's id

    def outlook_edit(self, mailbox, contact_id, **changes):
        self.sim.store.update_contact(mailbox, contact_id, changes)

    def outlook_delete(self, mailbox, contact_id):
        self.sim.store.move_item(mailbox, contact_id, "deleteditems")

    # -- running ----------------------------------------------------------------------------

    def contacts_log(self, user):
        mailbox = self.mailbox(user)
        return self.env["calendar.exchange.log"].search(
            [("mailbox_id", "=", mailbox.id), ("kind", "=", "contacts")], limit=1
        )

    def sync_contacts(self, user):
        """One mailbox run; answers its contacts log (empty when the contacts were quiet)."""
        before = self.contacts_log(user)
        self.sync(user)
        log = self.contacts_log(user)
        return log if log != before else log.browse()

    def assertContactsSynced(self, log, **counts):
        if log:
            self.assertEqual(log.state, "done", log.message or log.line_ids.mapped("message"))
        actual = {name: log[name] if log else 0 for name in self.COUNTS}
        self.assertEqual(actual, dict(dict.fromkeys(self.COUNTS, 0), **counts))


class EwsContactsCase(ContactsMixin, SimulatorCase):
    def contacts_side(self, mailbox):
        from ..bridge.backends import connection_settings, ews_settings
        from ..sync.ews.contacts import EwsContactsSide

        return EwsContactsSide(ews_settings(connection_settings(self.company)), mailbox)


class GraphContactsCase(ContactsMixin, GraphSimulatorCase):
    seed = graph_seed()

    def contacts_side(self, mailbox):
        from ..bridge.backends import connection_settings, graph_settings
        from ..sync.graph.contacts import GraphContactsSide

        return GraphContactsSide(graph_settings(connection_settings(self.company)), mailbox)
