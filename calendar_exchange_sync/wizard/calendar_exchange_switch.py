"""Settings' "Move to Office 365": the confirmation that says what the switch will do, then
does it.

A company synchronised through EWS moves to Office 365 after its mailboxes moved (or while
they move, hybrid). The wizard says, before anything is saved, what happens: each user's next
synchronisation finds their entries again in Office 365 (by the identity every entry Odoo
wrote carries, and by the UID), keeps them paired with the same Odoo events, and creates,
deletes and sends nothing because of the move; mailboxes Office 365 does not hold yet keep
syncing through EWS if the administrator keeps the EWS settings. Confirming writes the Office
365 settings and the version in one step.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.res_company import DEFAULT_GRAPH_URL, DEFAULT_LOGIN_URL, ON_PREMISES_VERSIONS
from ..models.res_company_tenant import ACCESS_MODES


class CalendarExchangeSwitch(models.TransientModel):
    _name = "calendar.exchange.switch"
    _description = "Move a Company's Calendars to Office 365"

    company_id = fields.Many2one("res.company", required=True, readonly=True)
    tenant = fields.Char(required=True, help="Tenant id or primary domain.")
    client_id = fields.Char(string="Client ID", required=True)
    client_secret = fields.Char(groups="base.group_system")
    login_url = fields.Char(string="Microsoft Login URL", default=DEFAULT_LOGIN_URL)
    graph_url = fields.Char(string="Microsoft Graph URL", default=DEFAULT_GRAPH_URL)
    access_mode = fields.Selection(ACCESS_MODES, string="Office 365 Access", default="application")
    keep_ews = fields.Boolean(
        string="Keep EWS for Mailboxes Still on Premises",
        default=True,
        help="Mailboxes Office 365 does not hold yet keep synchronising with the on-premises "
        "server until they have moved.",
    )
    synced_users = fields.Integer(compute="_compute_summary")
    synced_entries = fields.Integer(compute="_compute_summary")
    summary = fields.Html(compute="_compute_summary", sanitize=False)

    @api.depends("company_id", "keep_ews", "access_mode")
    def _compute_summary(self):
        for wizard in self:
            Mailbox = self.env["calendar.exchange.mailbox"].sudo()
            mailboxes = Mailbox.search([("company_id", "=", wizard.company_id.id)])
            wizard.synced_users = len(mailboxes)
            wizard.synced_entries = (
                self.env["calendar.exchange.binding"]
                .sudo()
                .search_count([("mailbox_id", "in", mailboxes.ids)])
            )
            wizard.summary = wizard._summary_html()

    def _summary_html(self):
        points = [
            self.env._(
                "%(users)s users synchronise %(entries)s entries with Exchange Server today.",
                users=self.synced_users,
                entries=self.synced_entries,
            ),
            self.env._(
                "At each user's next synchronisation, their entries are found again in Office "
                "365: by the identity every entry Odoo wrote carries, and by their UID. They "
                "stay paired with the same Odoo events, with their history."
            ),
            self.env._(
                "Nothing is created twice, nothing is deleted and no invitation is sent because "
                "of the move; changes made meanwhile on either side travel as usual."
            ),
            self.env._(
                "Mailboxes Office 365 does not hold yet keep synchronising with the on-premises "
                "server until they have moved."
            )
            if self.keep_ews
            else self.env._(
                "Mailboxes Office 365 does not hold yet stop synchronising (their status says "
                "so) until they have moved."
            ),
        ]
        if self.access_mode == "signin":
            points.append(
                self.env._(
                    "Each user must sign in with Microsoft in their Preferences before their "
                    "calendar synchronises again."
                )
            )
        return "<ul>%s</ul>" % "".join("<li>%s</li>" % p for p in points)

    @api.model
    def _open_for(self, company):
        company = company.sudo()
        if company.exchange_version not in ON_PREMISES_VERSIONS:
            raise UserError(self.env._("This company does not use Exchange Server."))
        wizard = self.create(
            {
                "company_id": company.id,
                "tenant": company.exchange_tenant or "",
                "client_id": company.exchange_client_id or "",
                "client_secret": company.exchange_client_secret or False,
                "login_url": company.exchange_login_url or DEFAULT_LOGIN_URL,
                "graph_url": company.exchange_graph_url or DEFAULT_GRAPH_URL,
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Move to Office 365"),
        }

    def action_confirm(self):
        """Write the Office 365 settings and switch; the mailboxes re-pair at their next run."""
        self.ensure_one()
        company = self.company_id.sudo()
        old_version = company.exchange_version
        if old_version not in ON_PREMISES_VERSIONS:
            raise UserError(self.env._("This company does not use Exchange Server any more."))
        values = {
            "exchange_version": "office365",
            "exchange_tenant": self.tenant,
            "exchange_client_id": self.client_id,
            "exchange_login_url": self.login_url,
            "exchange_graph_url": self.graph_url,
            "exchange_access_mode": self.access_mode,
            "exchange_hybrid": self.keep_ews,
            "exchange_onprem_version": old_version,
        }
        if self.client_secret:
            values["exchange_client_secret"] = self.client_secret
        # Which protocol each mailbox's ids belong to is recorded before the switch.
        mailboxes = self.env["calendar.exchange.mailbox"].sudo().with_context(active_test=False)
        mailboxes.search(
            [
                ("company_id", "=", company.id),
                ("remote_kind", "=", False),
                "|",
                ("remote_token", "!=", False),
                ("binding_ids", "!=", False),
            ]
        ).write({"remote_kind": "ews"})
        company.with_context(exchange_switch_confirmed=True).write(values)
        self.client_secret = False
        return {"type": "ir.actions.client", "tag": "reload"}
