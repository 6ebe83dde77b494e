"""What one Exchange item may make in Odoo: a bounded number of tags and contacts, a bounded
description. Anybody can put an invitation with 1,000 categories, 300 attendees or a 5 MB body
into a mailbox; Odoo must not grow without limit from it.

What goes beyond a limit is not lost: it is kept on the event (``exchange_overflow``, a field
Odoo's pages never load) and added back when the event is read for the sync, so that both sides
still compare equal, nothing travels back as an edit, and an edit made in Odoo sends Exchange
the whole entry (the categories, attendees and text Odoo does not show included). An Odoo edit
of a cut description replaces it: the user changed what they saw.

Pure functions of the item and of the tags that already exist, no ORM (see ``inbound`` for
where they are used, ``mapper`` for the way back).
"""

import html
import re

from ..sync.items import Attendee

# A category becomes an Odoo tag, which every user of the database sees and picks from: tags
# of categories that already exist are linked however many, new ones only this many per item.
MAX_NEW_TAGS = 5
# Each attendee becomes a contact (res.partner) and an attendee record; an invitation can name
# a whole mailing list. Odoo's calendar shows a few dozen people well.
MAX_ATTENDEES = 50
# Odoo sanitises and renders the whole description on every read and write of the event;
# agendas are a few thousand characters, a pasted mail thread or inline images megabytes.
MAX_BODY_CHARS = 100_000

_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


def visible_text(body):
    """The text a reader sees of an HTML body, with whitespace collapsed (for comparing)."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", body or ""))).strip()


def split_categories(names, existing, limit=MAX_NEW_TAGS):
    """``(linked, kept aside)``: names of existing tags, and at most ``limit`` new ones (the
    first in order), are linked; the other new ones are kept aside."""
    known = [n for n in names if n in existing]
    new = [n for n in names if n not in existing]
    return known + new[:limit], new[limit:]


def split_attendees(attendees, owner, limit=MAX_ATTENDEES):
    """``(linked, kept aside)`` of ``CalendarItem.attendees`` (sorted by address): the mailbox
    owner (who always takes part in their own entry, listed or not) and the first others, up
    to ``limit`` people in all."""
    own = [a for a in attendees if a.email == owner]
    others = [a for a in attendees if a.email != owner]
    room = max(limit - 1, 0)
    return own + others[:room], others[room:]


def cut_body(body, note, limit=MAX_BODY_CHARS):
    """``body`` as Odoo keeps it: as is when short enough, else its text cut at ``limit``
    characters with ``note`` after it (plain HTML, stable through Odoo's sanitiser)."""
    if len(body or "") <= limit:
        return body
    text = visible_text(body)[:limit]
    return "<p>%s</p><p><em>%s</em></p>" % (html.escape(text), html.escape(note))


def overflow(categories, attendees, body, shown_body):
    """What an event keeps aside (its ``exchange_overflow`` value), or False when nothing."""
    value = {}
    if categories:
        value["categories"] = list(categories)
    if attendees:
        value["attendees"] = [a.to_dict() for a in attendees]
    if body is not None:
        value["body"] = body
        value["shown"] = visible_text(shown_body)
    return value or False


def with_overflow(item, kept, description):
    """``item`` (read from an event) with what the event ``kept`` aside added back; the whole
    body only while the event's ``description`` is still the cut one Odoo made."""
    if not kept:
        return item
    changes = {}
    if kept.get("categories"):
        changes["categories"] = tuple(item.categories) + tuple(kept["categories"])
    if kept.get("attendees"):
        changes["attendees"] = with_kept_attendees(item.attendees, kept)
    if kept.get("body") is not None and visible_text(description) == kept.get("shown"):
        changes["body"] = kept["body"]
    return item.replace(**changes) if changes else item


def with_kept_attendees(attendees, kept):
    """``attendees`` (read from an event) and those the event ``kept`` aside."""
    if not kept or not kept.get("attendees"):
        return tuple(attendees)
    linked = {a.email for a in attendees}
    extra = [Attendee.from_dict(a) for a in kept["attendees"]]
    return tuple(attendees) + tuple(a for a in extra if a.email not in linked)
