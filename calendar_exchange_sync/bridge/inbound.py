"""``CalendarItem`` -> values for ``calendar.event``: the lookups the mapping needs on the way
into Odoo (partners by address, reminders, tags, activity types), cached for one run."""

from odoo.fields import Command

from .mapper import RESPONSE_TO_ODOO, time_values


class InboundValues:
    """Builds event values for one mailbox's run; creates missing partners, alarms and tags."""

    def __init__(self, env, user):
        self.env = env
        self.user = user
        self._partners = {}
        self._alarms = {}
        self._tags = {}
        self._types = None  # read on first use: most runs import nothing
        self.default_type = user.company_id.exchange_default_activity_type_id

    def partner(self, email, name=""):
        key = (email or "").strip().lower()
        if key not in self._partners:
            Partner = self.env["res.partner"]
            users = self.env["res.users"].search([("email", "=ilike", key)], limit=1)
            partner = users.partner_id or Partner.search([("email", "=ilike", key)], limit=1)
            if not partner:
                partner = Partner.create({"name": name or key, "email": key})
            self._partners[key] = partner
        return self._partners[key]

    def organizer_user(self, item):
        if item.organizer:
            user = self.env["res.users"].search([("email", "=ilike", item.organizer)], limit=1)
            if user:
                return user
        return self.user

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
            types = self.env["calendar.activity.type"].search([])
            self._types = {t.name.casefold(): t for t in types}
        if name and name.casefold() in self._types:
            return self._types[name.casefold()]
        return self.default_type

    def values(self, item, *, with_attendees=True):
        """Event values for ``item``; attendees only for the organizer's mailbox."""
        activity_type = self.activity_type(item.activity_type)
        # Category of the activity type's own name travels beside it: not an Odoo tag.
        tag_names = [c for c in item.categories if not activity_type or c != activity_type.name]
        values = {
            "name": item.subject or "(no subject)",
            "description": item.body or False,
            "location": item.location or False,
            "privacy": item.privacy,
            "show_as": item.show_as,
            "alarm_ids": [Command.set(self.alarm(item.reminder_minutes).ids)],
            "categ_ids": [Command.set(self.tags(tag_names).ids)],
            "activity_type_id": activity_type.id,
        }
        values.update(time_values(item))
        if with_attendees:
            organizer = self.organizer_user(item)
            partners = self.user.partner_id | organizer.partner_id
            for attendee in item.attendees:
                partners |= self.partner(attendee.email, attendee.name)
            if item.organizer and organizer == self.user and item.organizer != self.user.email:
                partners |= self.partner(item.organizer)
            values["user_id"] = organizer.id
            values["partner_ids"] = [Command.set(partners.ids)]
        return values

    def set_responses(self, event, item):
        """Copy the attendees' answers (and optional flags) onto the event's attendees."""
        by_email = {a.email: a for a in item.attendees if a.response != "none" or a.optional}
        if not by_email:
            return  # every answer is "none" and nobody optional: Odoo's defaults already
        for attendee in event.attendee_ids:
            remote = by_email.get((attendee.partner_id.email or "").lower())
            if remote is None:
                continue
            values = {}
            state = RESPONSE_TO_ODOO.get(remote.response)
            if state and attendee.state != state:
                values["state"] = state
            if attendee.exchange_optional != remote.optional:
                values["exchange_optional"] = remote.optional
            if values:
                attendee.write(values)
