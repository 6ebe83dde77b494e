"""The company's connection to Microsoft Exchange: one set of settings per company.

Secrets (the delegate password and the app's client secret) are readable and writable by
Settings administrators only, never copied, and wiped by data/neutralize.sql.
"""

from urllib.parse import urlparse

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..bridge.backends import is_plain_http
from ..sync.versions import ON_PREMISES_VERSIONS
from ..sync.versions import SELECTION as EXCHANGE_VERSIONS

CONFLICT_POLICIES = [
    ("newest", "Newest change wins"),
    ("exchange", "Exchange wins"),
    ("odoo", "Odoo wins"),
]

DEFAULT_LOGIN_URL = "https://login.microsoftonline.com"
DEFAULT_GRAPH_URL = "https://graph.microsoft.com"


def _is_web_url(value):
    parsed = urlparse(value or "")
    return parsed.scheme in ("http", "https") and bool(parsed.hostname)


class ResCompany(models.Model):
    _inherit = "res.company"

    exchange_enabled = fields.Boolean(string="Enable Microsoft Exchange")
    exchange_version = fields.Selection(EXCHANGE_VERSIONS, default="exchange2016")
    # On-premises Exchange (EWS with one impersonating delegate account)
    exchange_domain = fields.Char(
        string="NetBIOS Domain", groups="base.group_system", help="For example CONTOSO."
    )
    exchange_ews_url = fields.Char(
        string="EWS URL",
        groups="base.group_system",
        help="For example https://mail.example.com/EWS/Exchange.asmx",
    )
    exchange_username = fields.Char(string="Delegate User", groups="base.group_system")
    exchange_password = fields.Char(
        string="Delegate Password", groups="base.group_system", copy=False
    )
    exchange_auth_type = fields.Selection(
        [("ntlm", "NTLM"), ("basic", "Basic")],
        string="Authentication",
        default="ntlm",
        groups="base.group_system",
    )
    exchange_basic_over_http = fields.Boolean(
        string="Accept an unencrypted delegate password",
        groups="base.group_system",
        copy=False,
        help="Basic authentication sends the delegate's user name and password with every "
        "request; over plain http (no TLS) anyone on the network path can read them, and the "
        "delegate can open every mailbox of the company. Leave this off and use an https EWS "
        "URL (or NTLM); tick it only for a test server on a network you trust.",
    )
    # Office 365 (Microsoft Graph with app-only access)
    exchange_tenant = fields.Char(
        string="Tenant", groups="base.group_system", help="Tenant id or primary domain."
    )
    exchange_client_id = fields.Char(string="Client ID", groups="base.group_system")
    exchange_client_secret = fields.Char(
        string="Client Secret", groups="base.group_system", copy=False
    )
    exchange_login_url = fields.Char(
        string="Microsoft Login URL",
        default=DEFAULT_LOGIN_URL,
        groups="base.group_system",
        help="Change only for a national cloud or a test server.",
    )
    exchange_graph_url = fields.Char(
        string="Microsoft Graph URL",
        default=DEFAULT_GRAPH_URL,
        groups="base.group_system",
        help="Change only for a national cloud or a test server.",
    )
    exchange_ca_file = fields.Char(
        string="Trusted CA File",
        groups="base.group_system",
        help="Path, on the Odoo server, of a PEM file with the certificate authority that signed "
        "the Exchange server's certificate, when it is not a public one.",
    )
    exchange_consent_granted = fields.Boolean(
        string="Permissions Granted", readonly=True, copy=False, groups="base.group_system"
    )
    exchange_consent_date = fields.Datetime(readonly=True, copy=False, groups="base.group_system")
    exchange_clock_skew = fields.Float(
        string="Clock Skew (s)",
        readonly=True,
        copy=False,
        help="Exchange's clock minus Odoo's, measured by the last connection test; used to "
        "compare the two sides' last-modified times.",
    )
    exchange_clock_checked = fields.Datetime(string="Clock Measured", readonly=True, copy=False)
    # Behaviour
    exchange_send_invitations = fields.Boolean(
        string="Send Invitations",
        help="Let Exchange send meeting invitations and updates to the attendees of meetings "
        "created in Odoo. Never for a user's first synchronisation or for past entries.",
    )
    exchange_window_days = fields.Integer(
        string="Initial Sync Window (days)",
        default=30,
        help="On the first sync of a mailbox, entries that ended longer ago than this are "
        "left alone, except recurring series with occurrences in the future.",
    )
    exchange_conflict_policy = fields.Selection(
        CONFLICT_POLICIES, string="When Both Sides Changed", default="newest"
    )
    exchange_default_activity_type_id = fields.Many2one(
        "calendar.activity.type",
        string="Default Activity Type",
        default=lambda self: self.env.ref(
            "calendar_exchange_sync.activity_type_meeting", raise_if_not_found=False
        ),
        help="Given to new Odoo events and to Exchange entries that no other rule types.",
    )
    exchange_personal_activity_type_id = fields.Many2one(
        "calendar.activity.type",
        string="Personal Activity Type",
        default=lambda self: self.env.ref(
            "calendar_exchange_sync.activity_type_personal", raise_if_not_found=False
        ),
        help="Given to entries marked private in Exchange.",
    )

    @api.constrains(
        "exchange_enabled",
        "exchange_version",
        "exchange_ews_url",
        "exchange_username",
        "exchange_auth_type",
        "exchange_basic_over_http",
        "exchange_tenant",
        "exchange_client_id",
        "exchange_login_url",
        "exchange_graph_url",
        "exchange_window_days",
    )
    def _check_exchange_settings(self):
        for company in self.sudo():
            company._exchange_settings_problems(raise_first=True)

    def _exchange_settings_problems(self, raise_first=False):
        """Plain-language problems with this company's Exchange settings.

        URLs are checked whenever they are filled in; what a version needs is checked once the
        integration is enabled, so an administrator can fill the form in several steps.
        """
        self.ensure_one()
        problems = []
        if self.exchange_ews_url and not _is_web_url(self.exchange_ews_url):
            problems.append(
                self.env._(
                    "The EWS URL '%s' is not a web address; it looks like "
                    "https://mail.example.com/EWS/Exchange.asmx",
                    self.exchange_ews_url,
                )
            )
        for url, label in (
            (self.exchange_login_url, self.env._("Microsoft Login URL")),
            (self.exchange_graph_url, self.env._("Microsoft Graph URL")),
        ):
            if url and not _is_web_url(url):
                problems.append(
                    self.env._(
                        "The %(label)s '%(url)s' is not a web address.", label=label, url=url
                    )
                )
        if (
            self.exchange_auth_type == "basic"
            and self.exchange_version in ON_PREMISES_VERSIONS
            and is_plain_http(self.exchange_ews_url)
            and not self.exchange_basic_over_http
        ):
            problems.append(
                self.env._(
                    "Basic authentication over plain http sends the delegate's password "
                    "unencrypted, and the delegate opens every mailbox of the company: use an "
                    "https EWS URL or NTLM, or tick 'Accept an unencrypted delegate password' "
                    "if this is a test server on a network you trust."
                )
            )
        if self.exchange_window_days < 0:
            problems.append(self.env._("The initial sync window cannot be negative."))
        if self.exchange_enabled:
            if self.exchange_version in ON_PREMISES_VERSIONS:
                if not self.exchange_ews_url:
                    problems.append(self.env._("Exchange Server needs the EWS URL of the server."))
                if not (self.exchange_username or "").strip():
                    problems.append(
                        self.env._("Exchange Server needs the user name of the delegate account.")
                    )
            elif self.exchange_version == "office365":
                if not (self.exchange_tenant or "").strip():
                    problems.append(
                        self.env._("Office 365 needs the tenant (id or primary domain).")
                    )
                if not (self.exchange_client_id or "").strip():
                    problems.append(
                        self.env._("Office 365 needs the client ID of the app registration.")
                    )
            else:
                problems.append(
                    self.env._("Choose the Exchange version before enabling the integration.")
                )
        if problems and raise_first:
            raise ValidationError(problems[0])
        return problems
