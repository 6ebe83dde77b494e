"""Odoo recurrences <-> one series ``CalendarItem`` (rule, exceptions, deleted occurrences).

Odoo materialises a series as events of one ``calendar.recurrence``; Exchange keeps a master
with a pattern, modified and deleted occurrences. The series item is rebuilt from the events:

* its start is the recurrence's first start (remembered in ``exchange_dtstart`` once known,
  so deleting the first occurrence does not move the series);
* every occurrence is keyed by its ORIGINAL start (``exchange_original_start`` once it was
  moved, else its start), never by position;
* an occurrence that differs from the series template at its date is an exception; a date
  the rule produces, up to the last materialised one, without an event is a deleted one.
"""

from datetime import datetime, time, timedelta

from ..sync import expansion
from ..sync import recurrence as rec
from ..sync.items import Occurrence, Recurrence
from .mapper import as_utc, event_to_item, exchange_zone, naive_utc, time_values
from .ownership import PLAIN

MAX_MATERIALISED = 720  # what Odoo materialises of an endless series (MAX_RECURRENT_EVENT)


def event_occurrence_key(event):
    """The original start of one occurrence: a date for all-day series, else UTC datetime."""
    original = event.exchange_original_start
    if event.allday:
        return (original or event.start).date() if original else event.start_date
    return as_utc(original or event.start)


def series_zone(recurrence, user):
    base = recurrence.base_event_id
    return exchange_zone(recurrence.event_tz or base.user_id.tz or user.tz or "UTC")


def odoo_rrule(recurrence, start, zone):
    """The recurrence's rule as a canonical RRULE (UNTIL in UTC; endless without COUNT)."""
    text = recurrence._rrule_serialize()
    parts = dict(
        chunk.split("=", 1) for chunk in text.split("RRULE:")[-1].strip().split(";") if chunk
    )
    if recurrence.end_type == "forever":
        parts.pop("COUNT", None)  # Odoo's 720 stands for "no end"
    if recurrence.end_type == "end_date" and recurrence.until:
        if isinstance(start, datetime):
            # Exchange ends on an inclusive date of the series' zone: the end of that day.
            end_of_day = rec.tzmod.combine_utc(recurrence.until, time(23, 59, 59), zone)
            parts["UNTIL"] = end_of_day.strftime("%Y%m%dT%H%M%SZ")
        else:
            parts["UNTIL"] = recurrence.until.strftime("%Y%m%d")
    rule = ";".join("%s=%s" % item for item in parts.items())
    try:
        # Through Exchange's pattern and back: the form both sides read, so it compares equal.
        return rec.pattern_to_rrule(rec.rrule_to_pattern(rule, start, zone), start, zone)
    except ValueError:
        return rule  # Exchange cannot take it: its backend refuses it, and the log says why


class SeriesMapper:
    """Series for one mailbox's Odoo side (``side`` gives the user and the inbound values)."""

    def __init__(self, side):
        self.side = side

    # -- Odoo -> item -------------------------------------------------------------------

    def item(self, recurrence):
        side = self.side
        events = recurrence.calendar_event_ids.filtered("active").sorted(event_occurrence_key)
        keyed = {event_occurrence_key(e): e for e in events}
        zone = series_zone(recurrence, side.user)
        first = min(keyed)
        if recurrence.exchange_dtstart:
            dtstart = (
                recurrence.exchange_dtstart.date()
                if events[:1].allday
                else as_utc(recurrence.exchange_dtstart)
            )
            first = min(first, dtstart)
        template = keyed.get(first) or events.filtered("follow_recurrence")[:1] or events[:1]
        duration = template.stop - template.start
        kind = side.kind(template)
        base = event_to_item(
            template,
            side.user,
            mailbox=side.mailbox,
            kind=kind,
            default_type=side.inbound.default_type,
        )
        base = base.replace(start=first, end=self._end(first, template, duration), timezone=zone)
        rrule = odoo_rrule(recurrence, first, zone)
        last = max(keyed)
        dates = expansion.occurrences(rrule, first, zone, limit=MAX_MATERIALISED)
        deleted = {d for d in dates if d <= last and d not in keyed}
        exceptions = []
        for key, event in keyed.items():
            own = event_to_item(
                event,
                side.user,
                mailbox=side.mailbox,
                kind=kind,
                default_type=side.inbound.default_type,
            ).replace(timezone=zone)
            if own != base.occurrence_at(key):
                exceptions.append(Occurrence(key, own))
        return base.replace(recurrence=Recurrence(rrule, tuple(exceptions), frozenset(deleted)))

    @staticmethod
    def _end(start, template, duration):
        if template.allday:
            return start + timedelta(days=(template.stop_date - template.start_date).days + 1)
        return start + duration

    # -- item -> Odoo -------------------------------------------------------------------

    def rule_values(self, item):
        """Odoo's recurrence fields for the item's rule (raises ValueError if Odoo can't)."""
        Recurrence_ = self.side.env["calendar.recurrence"]
        start = item.start if item.all_day else naive_utc(item.start)
        if item.all_day:
            start = datetime.combine(item.start, time())
        values = Recurrence_._rrule_parse("RRULE:" + item.recurrence.rrule, start)
        if values.get("end_type") != "end_date":
            values.pop("until", None)
        else:
            until = values["until"]
            values["until"] = until.date() if isinstance(until, datetime) else until
            if not item.all_day and isinstance(until, datetime) and until.tzinfo:
                values["until"] = rec.tzmod.to_local(until, item.timezone).date()
        values.setdefault("interval", 1)
        self._check_same_dates(item, values)
        return values

    def _check_same_dates(self, item, values, sample=24):
        """Refuse a rule Odoo would read as another one (Odoo's yearly rules, for example,
        know no "second Tuesday of March"): a series must not silently move."""
        zone = item.timezone
        local = (
            datetime.combine(item.start, time())
            if item.all_day
            else rec.tzmod.to_local(item.start, zone).replace(tzinfo=None)
        )
        odoo_rule = self.side.env["calendar.recurrence"].new(values)._get_rrule(dtstart=local)
        odoo_dates = [d.date() for d in odoo_rule[:sample]]
        wanted = expansion.occurrences(item.recurrence.rrule, item.start, zone, limit=sample)
        wanted = [d if item.all_day else rec.tzmod.to_local(d, zone).date() for d in wanted]
        if odoo_dates != wanted:
            raise ValueError(
                "Odoo cannot repeat a series as Exchange does (%s); it is left out of Odoo."
                % item.recurrence.rrule
            )

    # A Side's create, not the ORM's: there is no super to call.
    # pylint: disable-next=method-required-super
    def create(self, item, extra):
        side = self.side
        values = side.inbound.values(item.replace(recurrence=None))
        values.update(self.rule_values(item), recurrency=True, event_tz=item.timezone, **extra)
        event = side.Event.create(values)
        recurrence = event.recurrence_id
        recurrence.write(
            {
                "exchange_dtstart": (
                    datetime.combine(item.start, time()) if item.all_day else naive_utc(item.start)
                ),
                # Odoo copies no copy=False field to the occurrences: the series keeps it.
                "exchange_organizer": values.get("exchange_organizer") or False,
            }
        )
        self._apply_occurrences(recurrence, item)
        return recurrence

    def _apply_occurrences(self, recurrence, item, with_attendees=True):
        side = self.side
        events = {event_occurrence_key(e): e for e in recurrence.calendar_event_ids}
        doomed = side.Event.browse()
        for key in item.recurrence.deleted:
            doomed |= events.get(key, side.Event.browse())
        doomed.unlink()
        for occurrence in item.recurrence.exceptions:
            event = events.get(occurrence.original_start)
            if not event:
                continue
            values = side.inbound.values(
                occurrence.item.replace(timezone=item.timezone), with_attendees=with_attendees
            )
            for name in ("user_id", "exchange_organizer"):
                values.pop(name, None)  # the series' own
            values["exchange_original_start"] = (
                datetime.combine(occurrence.original_start, time())
                if item.all_day
                else naive_utc(occurrence.original_start)
            )
            event.with_context(recurrence_update="self_only").write(values)

    def update(self, recurrence, item):
        """Rewrite the series: the events are rebuilt from the item (Odoo's ids change)."""
        side = self.side
        keep = recurrence.base_event_id or recurrence.calendar_event_ids[:1]
        # A participant's copy changes the times and texts, never who organises or attends.
        with_attendees = side.kind(keep) != PLAIN
        values = side.inbound.values(item.replace(recurrence=None), with_attendees=with_attendees)
        values.update(self.rule_values(item), recurrency=True, event_tz=item.timezone)
        others = recurrence.calendar_event_ids - keep
        others.with_context(archive_on_error=True).unlink()
        origin = {name: recurrence[name] for name in ("exchange_identity", "exchange_source")}
        keep.write({"recurrence_id": False, "exchange_original_start": False})
        keep.write(dict(values, **time_values(item)))
        new = keep.recurrence_id
        if not new:
            return recurrence
        new.write(
            dict(
                origin,
                exchange_dtstart=(
                    datetime.combine(item.start, time()) if item.all_day else naive_utc(item.start)
                ),
                exchange_organizer=values.get("exchange_organizer", new.exchange_organizer),
            )
        )
        self._apply_occurrences(new, item, with_attendees=with_attendees)
        return new

    def delete(self, recurrence):
        recurrence.calendar_event_ids.with_context(archive_on_error=True).unlink()
        if recurrence.exists():
            recurrence.unlink()
