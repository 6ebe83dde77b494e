"""``CalendarItem`` -> values for ``calendar.event``: the lookups the mapping needs on the way
into Odoo (partners by address, reminders, tags, activity types), cached for one run.

What comes from Exchange is data about the mailbox's owner, never a claim Odoo acts on: an entry
imported from a mailbox belongs to its owner (``user_id``), whatever organizer it names; other
Odoo users are linked to it only through the owner's own meetings and only by the mailbox an
administrator gave them (see ``addresses``); its HTML is stripped of anything that could escape
its box in Odoo's pages; its activity type is one of the owner's company (or a shared one).
"""

from odoo.fields import Command
from odoo.tools import html_sanitize

from . import inbound_limits as limits
from .addresses import normalize, partner_address, users_by_mailbox
from .mapper import RESPONSE_TO_ODOO, speaks_for_self, time_values
from .ownership import item_is_own


def clean_html(body):
    """Exchange's HTML as Odoo may show it: Odoo's own sanitiser, with styles and classes
    stripped (a ``position: fixed`` link would cover the whole page and take every click)."""
    if not body:
        return False
    return html_sanitize(
        body,
        sanitize_tags=True,
        sanitize_attributes=True,
        sanitize_style=True,
        strip_style=True,
        strip_classes=True,
    )


# What ``time_values`` gives, written whole or not at all.
TIMES = ("allday", "start", "stop")


def changed_values(record, values):
    """The part of ``values`` that would change ``record`` (one event). Writing a value equal
    to the stored one changes nothing, but Odoo's calendar does all of its write for it: the
    attendee lines for ``partner_ids``, the alarms, the description sanitised again. An edit in
    Outlook usually changes one field of the many an item carries."""
    changed = {}
    for name, value in values.items():
        field = record._fields[name]
        current = record[name]
        if field.type == "many2many":
            # The values of ``InboundValues.values`` set relations whole: [Command.set(ids)].
            same = (
                len(value) == 1
                and value[0][0] == Command.SET
                and set(value[0][2]) == set(current.ids)
            )
        elif field.type == "many2one":
            same = (value or False) == (current.id or False)
        else:
            # A value read back from the database compares equal only if writing it stores the
            # same thing; anything else (a description Odoo would sanitise otherwise) is written.
            same = (value or False) == (current or False)
        if not same:
            changed[name] = value
    if changed.keys() & TIMES:
        # The times go together: Odoo computes an end left out from the start and the old
        # duration.
        changed.update((name, values[name]) for name in TIMES if name in values)
    return changed


class InboundValues:
    """Builds event values for one mailbox's run; creates missing partners, alarms and tags."""

    def __init__(self, env, user, mailbox):
        self.env = env
        self.user = user
        self.mailbox = mailbox  # the mailbox's (normalised) address
        self._partners = {}
        self._alarms = {}
        self._tags = {}
        self._types = None  # read on first use: most runs import nothing
        self.default_type = user.company_id.exchange_default_activity_type_id

    def partner(self, email, name="", *, link_users=True):
        """The partner for an address: the owner's own for the mailbox's address; a colleague's
        only when ``link_users`` and an administrator gave them that mailbox; else a contact that
        is nobody's login (a user's partner carries an e-mail that user typed), made if need be.
        """
        key = normalize(email) or (email or "").strip().lower()
        if key == self.mailbox:
            return self.user.partner_id
        if (key, link_users) not in self._partners:
            partner = self.env["res.partner"]
            if link_users:
                partner = users_by_mailbox(self.env, [key]).get(key, self.env["res.users"])
                partner = partner.partner_id
            if not partner:
                partner = self.env["res.partner"].search(
                    [("email_normalized", "=", key), ("user_ids", "=", False)], limit=1
                )
            if not partner:
                partner = self.env["res.partner"].create({"name": name or key, "email": key})
            self._partners[key, link_users] = partner
        return self._partners[key, link_users]

    def alarm(self, minutes):
        if minutes is None:
            return self.env["calendar.alarm"]
        if minutes not in self._alarms:
            Alarm = self.env["calendar.alarm"]
            alarm = Alarm.search(
                [("alarm_type", "=", "notification"), ("duration_minutes", "=", minutes)], limit=1
            )
            if not alarm:
                duration, interval = minutes, "minutes"
                if minutes and minutes % 1440 == 0:
                    duration, interval = minutes // 1440, "days"
                elif minutes and minutes % 60 == 0:
                    duration, interval = minutes // 60, "hours"
                alarm = Alarm.create(
                    {
                        "name": "%s %s" % (duration, interval),
                        "alarm_type": "notification",
                        "duration": duration,
                        "interval": interval,
                    }
                )
            self._alarms[minutes] = alarm
        return self._alarms[minutes]

    def existing_tags(self, names):
        """The names among ``names`` that are tags already (a search for those not seen yet)."""
        unknown = [n for n in names if n not in self._tags]
        if unknown:
            Tag = self.env["calendar.event.type"]
            for tag in Tag.search([("name", "in", unknown)]):
                self._tags.setdefault(tag.name, tag)
        return {n for n in names if n in self._tags}

    def tags(self, names):
        Tag = self.env["calendar.event.type"]
        records = Tag
        for name in names:
            if name not in self._tags:
                self._tags[name] = Tag.search([("name", "=", name)], limit=1) or Tag.create(
                    {"name": name}
                )
            records |= self._tags[name]
        return records

    def activity_type(self, name):
        if self._types is None:
            company = self.user.company_id
            types = self.env["calendar.activity.type"].search(
                [("company_id", "in", [company.id, False])]
            )
            # A company's own type wins over a shared one of the same name.
            self._types = {}
            for activity_type in types.sorted(lambda t: (not t.company_id, t.sequence, t.id)):
                self._types.setdefault(activity_type.name.casefold(), activity_type)
        if name and name.casefold() in self._types:
            return self._types[name.casefold()]
        return self.default_type

    def values(self, item, *, with_attendees=True):
        """Event values for ``item``; attendees only for an entry the owner organises or
        received (a participant's own copy of somebody else's Odoo meeting carries none)."""
        activity_type = self.activity_type(item.activity_type)
        # Category of the activity type's own name travels beside it: not an Odoo tag.
        tag_names = [c for c in item.categories if not activity_type or c != activity_type.name]
        # What one item may make in Odoo is bounded; the rest is kept aside (inbound_limits).
        tag_names, aside_tags = limits.split_categories(tag_names, self.existing_tags(tag_names))
        body = limits.cut_body(item.body, self.env._(
            "The rest of this description (%s characters in all) is kept in Exchange.",
            len(item.body or ""),
        ))  # fmt: skip
        description = clean_html(body)
        values = {
            "name": item.subject or "(no subject)",
            "description": description,
            "location": item.location or False,
            "privacy": item.privacy,
            "show_as": item.show_as,
            "alarm_ids": [Command.set(self.alarm(item.reminder_minutes).ids)],
            "categ_ids": [Command.set(self.tags(tag_names).ids)],
            "activity_type_id": activity_type.id,
        }
        values.update(time_values(item))
        aside_people = ()
        if with_attendees:
            own = item_is_own(item, self.mailbox)
            organizer = "" if own else normalize(item.organizer)
            partners = self.user.partner_id
            linked, aside_people = limits.split_attendees(item.attendees, self.mailbox)
            for attendee in linked:
                # Only the organizer's own mailbox speaks for who else takes part: on a copy
                # received from somebody else, colleagues are named, never linked.
                partners |= self.partner(attendee.email, attendee.name, link_users=own)
            # The entry is the owner's, whoever the item says organised it.
            values["user_id"] = self.user.id
            values["partner_ids"] = [Command.set(partners.ids)]
            values["exchange_organizer"] = organizer or False
        cut = item.body if body != item.body else None
        values["exchange_overflow"] = limits.overflow(aside_tags, aside_people, cut, description)
        return values

    def set_responses(self, event, item, *, with_attendees=True):
        """Copy the answers onto the event's attendees: the owner's own from a copy of a
        meeting (``item.response``); the others' (and optional flags) from the attendee list,
        except for those who synchronise a mailbox, whose answer travels from their own copy
        (``with_attendees`` False: only the owner's)."""
        if item.response is not None:
            self.set_own_response(event, item.response)
        if not with_attendees:
            return
        by_email = {a.email: a for a in item.attendees if a.response != "none" or a.optional}
        if not by_email:
            return  # every answer is "none" and nobody optional: Odoo's defaults already
        for attendee in event.attendee_ids:
            remote = by_email.get(partner_address(attendee.partner_id))
            if remote is None or attendee.partner_id == self.user.partner_id:
                continue
            values = {}
            state = RESPONSE_TO_ODOO.get(remote.response)
            if state and attendee.state != state and not speaks_for_self(attendee.partner_id):
                values["state"] = state
            if attendee.exchange_optional != remote.optional:
                values["exchange_optional"] = remote.optional
            if values:
                attendee.write(values)

    def set_own_response(self, events, response):
        """The owner's answer on their attendee line of ``events`` (a copy's answer)."""
        state = RESPONSE_TO_ODOO.get(response or "none", "needsAction")
        mine = events.attendee_ids.filtered(
            lambda a: a.partner_id == self.user.partner_id and a.state != state
        )
        if mine:
            mine.write({"state": state})
