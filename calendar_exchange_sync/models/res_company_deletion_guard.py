"""The deletion guard's limit, a company setting: how much of a calendar one run may delete
before it holds the deletions back for the owner or an administrator to confirm (see
sync/engine/guard.py and calendar.exchange.held.deletion)."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    exchange_deletion_limit = fields.Integer(
        string="Hold Back Deletions Above (%)",
        default=50,
        help="A run that would delete more than this share of a calendar's synchronised "
        "entries deletes none of them: they are listed for the user and the administrators to "
        "confirm or restore. The rest of the run goes on. A failing server can answer "
        "'nothing' where there is a calendar; this keeps it from wiping the other side.",
    )
    exchange_deletion_min = fields.Integer(
        string="Hold Back From (entries)",
        default=5,
        help="Fewer deletions than this in one run always go through (a user deleting their "
        "last entries is no failing server), unless they would empty a calendar that a full "
        "listing of the other side found empty.",
    )

    @api.constrains("exchange_deletion_limit", "exchange_deletion_min")
    def _check_exchange_deletion_guard(self):
        for company in self:
            if not 0 <= company.exchange_deletion_limit <= 100:
                raise ValidationError(
                    self.env._("The deletion limit is a share between 0 and 100%.")
                )
            if company.exchange_deletion_min < 1:
                raise ValidationError(self.env._("The deletion limit needs at least one entry."))
