"""Activity types: what kind of entry a calendar event is (meeting, lunch, holiday…).

They decide which Odoo events travel to Exchange (``sync_to_exchange``) and which type an entry
coming from Exchange gets (the *personal* type for private entries, else the first type whose
trigger words appear in the subject, else the company default).
"""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..sync.classify import parse_trigger_words


class CalendarActivityType(models.Model):
    _name = "calendar.activity.type"
    _description = "Calendar Activity Type"
    _order = "sequence, name, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    color = fields.Integer()
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        help="Leave empty to share this type between all companies.",
    )
    sync_to_exchange = fields.Boolean(
        string="Sync to Exchange",
        default=True,
        help="Events of this type are copied to the Exchange calendar of every participant "
        "who enabled calendar synchronisation. Entries coming from Exchange are always "
        "imported, whatever their type.",
    )
    trigger_words = fields.Char(
        help="Words or abbreviations, separated by semicolons, that give an entry coming from "
        "Exchange this type when its subject contains one of them, e.g. 'Lunch; LUN'.",
    )

    _name_company_uniq = models.Constraint(
        "unique(name, company_id)",
        "An activity type with this name already exists in this company.",
    )

    @api.constrains("trigger_words")
    def _check_trigger_words(self):
        for activity_type in self:
            if not activity_type.trigger_words:
                continue
            try:
                parse_trigger_words(activity_type.trigger_words)
            except ValueError as error:
                raise ValidationError(
                    self.env._(
                        "The trigger words of activity type '%(name)s' cannot be read: "
                        "%(reason)s. Separate the words with semicolons, e.g. 'Lunch; LUN'.",
                        name=activity_type.name,
                        reason=error,
                    )
                ) from error

    def _trigger_word_list(self):
        """The parsed trigger words of one type (empty when none are set)."""
        self.ensure_one()
        return parse_trigger_words(self.trigger_words) if self.trigger_words else ()
