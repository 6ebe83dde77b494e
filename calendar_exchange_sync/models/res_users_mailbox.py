"""Which Exchange mailbox a user synchronises: an administrator's decision, never the user's.

The addon holds a key to every mailbox of the company, so the address it uses for a user must be
one that user is entitled to. A user's own e-mail is no proof: every user may change it in
Preferences (and portal users in "My account"). So the mailbox is its own field:

* set by a Settings administrator (or the superuser: installation, scripts), in the user form,
  by import, or with "Fill in from e-mail addresses" in Settings; never by the user;
* filled in when an administrator creates an internal user, from the address they typed, unless
  another user already has that mailbox (then the administrator decides);
* never moved by a change of e-mail or login, wherever it is made;
* unique among active users, compared case-insensitively;
* changing it switches the user's synchronisation off and throws the old mailbox's sync state
  (bindings, tokens) away, so that nothing of one mailbox is ever applied to another.

The Tenants issue will let a user prove a mailbox by signing in to Microsoft: that proof goes
through ``_exchange_may_set_mailbox`` like any other way of setting it.
"""

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import single_email_re

from ..bridge.addresses import normalize


class ResUsers(models.Model):
    _inherit = "res.users"

    exchange_mailbox = fields.Char(
        copy=False,
        groups="base.group_user",
        help="The Exchange mailbox synchronised with this user's calendar. Only a Settings "
        "administrator sets it: a user's own e-mail address, which they may change themselves, "
        "is never used for this. Changing it switches the user's synchronisation off.",
    )

    _exchange_mailbox_unique = models.UniqueIndex(
        "(lower(exchange_mailbox)) WHERE exchange_mailbox IS NOT NULL AND active",
        "Two users cannot synchronise the same Exchange mailbox.",
    )

    @api.model
    def _exchange_may_set_mailbox(self):
        """Who may decide a mailbox: Settings administrators and the superuser.

        ``self.env.user`` is the real user even under sudo(), so a flow that writes users as
        superuser on somebody's behalf (a portal form, an import run by a user) does not count.
        """
        return self.env.uid == SUPERUSER_ID or self.env.user.has_group("base.group_system")

    @api.model
    def _exchange_clean_mailbox(self, value):
        if not value:
            return False
        address = normalize(value)
        if not address or not single_email_re.match(value.strip()):
            raise ValidationError(
                self.env._(
                    "'%s' is not an e-mail address: an Exchange mailbox is one address.", value
                )
            )
        return address

    def _exchange_check_mailbox_free(self, address):
        """A clear sentence, before the unique index would answer with a database error."""
        if not address:
            return
        other = self.sudo().search(
            [("exchange_mailbox", "=", address), ("id", "not in", self.ids)], limit=1
        )
        if other:
            raise ValidationError(
                self.env._(
                    "The Exchange mailbox %(mailbox)s is already synchronised by %(user)s: two "
                    "users cannot synchronise the same mailbox.",
                    mailbox=address,
                    user=other.name,
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        may_set = self._exchange_may_set_mailbox()
        for vals in vals_list:
            if vals.get("exchange_mailbox"):
                if not may_set:
                    raise AccessError(
                        self.env._("Only a Settings administrator can set Exchange mailboxes.")
                    )
                vals["exchange_mailbox"] = self._exchange_clean_mailbox(vals["exchange_mailbox"])
                self._exchange_check_mailbox_free(vals["exchange_mailbox"])
        users = super().create(vals_list)
        if may_set:
            users._exchange_default_mailboxes(vals_list)
        return users

    def _exchange_default_mailboxes(self, vals_list):
        """Fill in the mailbox of new internal users from the address their creator typed.

        Only an address given in this creation counts (the e-mail, or a login that is one); an
        address several users would get is left empty for the administrator to decide.
        """
        wanted = {}
        for user, vals in zip(self, vals_list, strict=True):
            if vals.get("exchange_mailbox") or user.share:
                continue  # the creator chose one (an empty one in a form is no choice)
            login = vals.get("login") or ""
            typed = vals.get("email") or (login if single_email_re.match(login) else "")
            address = normalize(typed)
            if address:
                wanted.setdefault(address, []).append(user)
        taken = set(
            self.sudo()
            .search([("exchange_mailbox", "in", list(wanted)), ("id", "not in", self.ids)])
            .mapped("exchange_mailbox")
        )
        for address, users in wanted.items():
            if len(users) == 1 and address not in taken:
                # sudo: the field is for administrators; the creator was checked to be one.
                users[0].sudo().exchange_mailbox = address

    def write(self, vals):
        if "exchange_mailbox" in vals:
            if not self._exchange_may_set_mailbox():
                raise AccessError(
                    self.env._("Only a Settings administrator can set Exchange mailboxes.")
                )
            address = self._exchange_clean_mailbox(vals["exchange_mailbox"])
            if address and len(self) > 1:
                raise ValidationError(
                    self.env._("Two users cannot synchronise the same Exchange mailbox.")
                )
            self._exchange_check_mailbox_free(address)
            vals = dict(vals, exchange_mailbox=address)
            # A first mailbox starts a calendar; only a change leaves one behind.
            moved = self.sudo().filtered(
                lambda u: u.exchange_mailbox and u.exchange_mailbox != vals["exchange_mailbox"]
            )
        else:
            moved = self.browse()
        result = super().write(vals)
        if moved:
            moved._exchange_mailbox_moved()
        if "group_ids" in vals or "active" in vals:
            self._exchange_stop_who_may_not_sync()
        return result

    def _exchange_mailbox_moved(self):
        """Another mailbox is another calendar: sync off, and nothing of the old one kept."""
        self._exchange_force_off()
        self.env["calendar.exchange.mailbox"]._forget_mailboxes_of(self)

    def _exchange_stop_who_may_not_sync(self):
        """Portal and archived users never sync: a user who becomes one is switched off."""
        self.sudo().filtered(lambda u: u.share or not u.active)._exchange_force_off()

    def _exchange_force_off(self):
        """Switch sync off because a rule says so, whoever made the change that led here.

        SQL, not write(): the switch's own rule (only the user, or an administrator, switches
        off) is about people's choices, and this is none: a user management change (made by an
        access-rights manager, say) that the addon follows.
        """
        users = self.sudo().with_context(active_test=False).filtered("exchange_sync_enabled")
        if users:
            users.flush_recordset(["exchange_sync_enabled"])
            self.env.cr.execute(
                "UPDATE res_users SET exchange_sync_enabled = FALSE WHERE id IN %s",
                [tuple(users.ids)],
            )
            users.invalidate_recordset(["exchange_sync_enabled"])

    @api.model
    def _exchange_fill_mailboxes(self, company):
        """Settings' "Fill in from e-mail addresses": an administrator's decision, for the users
        of ``company`` who have no mailbox; an address two users share is left for them."""
        if not self._exchange_may_set_mailbox():
            raise AccessError(
                self.env._("Only a Settings administrator can set Exchange mailboxes.")
            )
        Users = self.sudo()
        users = Users.search(
            [
                ("company_id", "=", company.id),
                ("share", "=", False),
                ("exchange_mailbox", "=", False),
            ]
        )
        by_address = {}
        for user in users:
            address = normalize(user.email)
            if address:
                by_address.setdefault(address, Users)
                by_address[address] |= user
        taken = set(
            Users.search([("exchange_mailbox", "in", list(by_address))]).mapped("exchange_mailbox")
        )
        # Another user (of any company) whose e-mail is the same address makes it ambiguous too.
        shared = Users._read_group(
            [("email_normalized", "in", list(by_address))], ["email_normalized"], ["__count"]
        )
        ambiguous = {address for address, count in shared if count > 1}
        filled = Users
        for address, owners in by_address.items():
            if len(owners) == 1 and address not in taken and address not in ambiguous:
                owners.exchange_mailbox = address
                filled |= owners
        return filled

    @api.model
    def _exchange_mailbox_action(self):
        return self.env["ir.actions.act_window"]._for_xml_id(
            "calendar_exchange_sync.res_users_exchange_mailbox_action"
        )
