"""Odoo contacts as the contacts sync sees them: the fields Exchange has and Odoo lacks, where a
contact came from, and which users removed it from their Outlook.

* ``exchange_email2`` / ``exchange_email3``: an Exchange contact holds up to three e-mail
  addresses; the first is the contact's e-mail, the other two are kept here (shown on the
  contact) and travel to every user's Outlook like the rest.
* ``exchange_mobile``: Odoo 19 keeps one phone; Exchange's mobile phone is kept here.
* ``exchange_state_text``: a state Exchange named that Odoo does not know (kept, not lost).
* ``exchange_contact_user_id``: the user whose Exchange the contact came from (it always goes
  back there, whatever the company's choice of contacts); ``exchange_contact_identity``: its
  identity in that sync, so a create whose answer was lost is found again.
* ``exchange_contact_stopped_user_ids``: users who deleted it in Outlook while Odoo had to
  keep it: it is no longer synchronised with them.

Changes to what the sync writes mark the mailboxes that hold the contact and wake the sync
cron (never a network call here).
"""

from odoo import api, fields, models
from odoo.exceptions import AccessError

CONTACT_FIELDS = {  # the default of _exchange_contact_synced_fields()
    "name",
    "parent_id",
    "company_name",
    "is_company",
    "function",
    "email",
    "exchange_email2",
    "exchange_email3",
    "phone",
    "exchange_mobile",
    "street",
    "street2",
    "zip",
    "city",
    "state_id",
    "exchange_state_text",
    "country_id",
    "website",
    "comment",
    "category_id",
    "active",
    "user_id",
    "type",
    "exchange_contact_stopped_user_ids",
}


class ResPartner(models.Model):
    _inherit = "res.partner"

    exchange_email2 = fields.Char(string="Second E-mail")
    exchange_email3 = fields.Char(string="Third E-mail")
    exchange_mobile = fields.Char(string="Mobile")
    exchange_state_text = fields.Char(
        string="State (as in Exchange)", help="A state Exchange named that Odoo does not know."
    )
    exchange_contact_user_id = fields.Many2one(
        "res.users",
        string="From the Exchange of",
        copy=False,
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
    )
    exchange_contact_identity = fields.Char(
        copy=False, readonly=True, index="btree_not_null", groups="base.group_system"
    )
    exchange_revision = fields.Integer(
        default=1,
        copy=False,
        readonly=True,
        help="Goes up with every change of a synchronised field: the version the contacts sync "
        "compares (write dates are equal within one transaction).",
    )
    exchange_contact_stopped_user_ids = fields.Many2many(
        "res.users",
        "res_partner_exchange_stopped_rel",
        "partner_id",
        "user_id",
        string="Removed from the Outlook of",
        copy=False,
        help="These users deleted the contact in Outlook while Odoo kept it: it is no longer "
        "synchronised with them. Remove a user here to synchronise it with them again.",
    )

    @api.model
    def _exchange_contact_synced_fields(self):
        """The contact fields whose change must reach Exchange: a method, so that another addon
        that maps a field of its own adds it (``super()`` | {...})."""
        return set(CONTACT_FIELDS)

    @api.model_create_multi
    def create(self, vals_list):
        if not (self.env.su or self.env.user.has_group("base.group_system")):
            for vals in vals_list:
                vals.pop("exchange_contact_stopped_user_ids", None)  # a new contact left nobody
                if vals.get("exchange_contact_user_id"):
                    self._exchange_check_bookkeeping(vals)  # refuses
        partners = super().create(vals_list)
        if not self.env.context.get("exchange_sync_inbound"):
            partners._exchange_contacts_changed()
        return partners

    def _exchange_check_bookkeeping(self, vals):
        """Whose Outlook a contact came from or left is the sync's (sudo) or an administrator's
        to say: a colleague who may edit the contact must not place it into somebody else's
        mailbox (the "came from" user always gets it) nor take it out of it. A user may only
        take themselves off the "removed from" list, to have it back in their own Outlook."""
        if self.env.su or self.env.user.has_group("base.group_system"):
            return None
        if "exchange_contact_user_id" in vals:
            raise AccessError(
                self.env._("Only the synchronisation says whose Exchange a contact came from.")
            )
        if "exchange_contact_stopped_user_ids" in vals:
            return {p.id: set(p.sudo().exchange_contact_stopped_user_ids.ids) for p in self}
        return None

    def _exchange_check_stopped(self, before):
        for partner in self:
            after = set(partner.sudo().exchange_contact_stopped_user_ids.ids)
            if (before.get(partner.id, set()) ^ after) - {self.env.uid}:
                raise AccessError(
                    self.env._("You can only take yourself off the users a contact left.")
                )

    def write(self, vals):
        before = self._exchange_check_bookkeeping(vals)
        synced = bool(self._exchange_contact_synced_fields() & set(vals))
        touched = synced and not self.env.context.get("exchange_sync_inbound")
        if touched:
            self._exchange_contacts_changed()  # before: mailboxes the contact leaves, too
        result = super().write(vals)
        if before is not None:
            self._exchange_check_stopped(before)
        if synced and self.ids:
            # SQL: a write() here would run this override again.
            self.flush_recordset(["exchange_revision"])
            self.env.cr.execute(
                "UPDATE res_partner SET exchange_revision = exchange_revision + 1 WHERE id IN %s",
                [tuple(self.ids)],
            )
            self.invalidate_recordset(["exchange_revision"])
        if touched:
            self._exchange_contacts_changed()
        return result

    def unlink(self):
        self._exchange_contacts_changed()
        return super().unlink()

    def _exchange_contacts_changed(self):
        """Mark the mailboxes these contacts are (or go) into; the cron pushes soon."""
        Users = self.env["res.users"].sudo()
        users = Users.search([("exchange_contacts_enabled", "=", True)])
        if not users or not self:
            return
        partners = self.sudo()
        wanted = users.filtered(
            lambda u: (
                u in partners.user_id
                or u.exchange_contacts_tag_id in partners.category_id
                or u in partners.exchange_contact_user_id
            )
        )
        bound = (
            self.env["calendar.exchange.contact.binding"]
            .sudo()
            .search([("partner_id", "in", self.ids)])
            .mailbox_id.user_id
        )
        self.env["calendar.exchange.mailbox"]._request_sync_for_users(wanted | bound)
