"""The company's contacts synchronisation settings (Settings ▸ Microsoft Exchange ▸ Contacts).

Changing which contacts go out or the folder starts every mailbox of the company over for
contacts at its next run: the scope by listing Odoo's side in full again (contacts that no
longer qualify leave the users' folders), the folder by forgetting the pairings of the old
folder (its contacts stay in Outlook, untouched, and the new folder is filled and paired).
"""

from odoo import api, fields, models

RESTART_SCOPE = ("exchange_contacts_scope",)
RESTART_FOLDER = ("exchange_contacts_folder", "exchange_contacts_folder_name")


class ResCompany(models.Model):
    _inherit = "res.company"

    exchange_contacts_enabled = fields.Boolean(
        string="Synchronise contacts",
        help="Users who synchronise their calendar may also switch on their contacts.",
    )
    exchange_contacts_scope = fields.Selection(
        [
            ("salesperson", "Contacts I am the salesperson of"),
            ("tag", "Contacts with a tag of my choice"),
        ],
        string="Contacts that go to Exchange",
        default="salesperson",
        required=True,
        help="Besides these, the contacts that came from a user's Exchange always go back to it.",
    )
    exchange_contacts_folder = fields.Selection(
        [("odoo", "A folder of their own"), ("main", "The main Contacts folder")],
        string="Exchange contacts folder",
        default="odoo",
        required=True,
        help="A folder of their own keeps the users' personal contacts out of the sync.",
    )
    exchange_contacts_folder_name = fields.Char(
        string="Folder name", default="Odoo", help="Created under Contacts when missing."
    )
    exchange_contacts_deletion = fields.Selection(
        [("unlink", "Delete the contact"), ("archive", "Archive the contact")],
        string="Deleted in Outlook",
        default="unlink",
        required=True,
        help="What happens to an Odoo contact deleted in Outlook, when it came from that "
        "user's Exchange and nothing else in Odoo uses it. Otherwise it stays in Odoo and "
        "is no longer synchronised with that user.",
    )
    exchange_contacts_master = fields.Boolean(
        string="Odoo is the master for contacts",
        help="Changes and deletions made in Outlook to synchronised contacts are undone at "
        "the next run (the sync log says so); contacts new in Outlook still come to Odoo.",
    )

    def write(self, vals):
        before = {
            company: (company.exchange_contacts_folder, company.exchange_contacts_folder_name)
            for company in self
        }
        result = super().write(vals)
        if any(name in vals for name in RESTART_SCOPE + RESTART_FOLDER):
            for company in self:
                moved = before[company] != (
                    company.exchange_contacts_folder,
                    company.exchange_contacts_folder_name,
                )
                company._exchange_contacts_restart(forget_folder=moved)
        return result

    def _exchange_contacts_restart(self, forget_folder=False):
        mailboxes = (
            self.env["calendar.exchange.mailbox"]
            .sudo()
            .with_context(active_test=False)
            .search([("company_id", "=", self.id)])
        )
        mailboxes._contacts_reset(forget_pairs=forget_folder)

    @api.model
    def _exchange_contacts_settings(self):
        return {
            "scope": self.exchange_contacts_scope,
            "folder": None
            if self.exchange_contacts_folder == "main"
            else (self.exchange_contacts_folder_name or "Odoo").strip(),
            "deletion": self.exchange_contacts_deletion,
            "master": self.exchange_contacts_master,
        }
