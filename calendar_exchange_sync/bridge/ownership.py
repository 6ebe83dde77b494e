"""Whose entry an Odoo event is, seen from one mailbox: the rules that keep the sync from acting
on anybody else's behalf.

What a mailbox holds of an event it takes part in is one of:

* ``OWN``: the mailbox's owner organises it (``user_id``) and made it (``create_uid``), accepted
  it (their attendee answer), or it came from this very mailbox as their own meeting. Written as
  their meeting, attendees included, which on Office 365 sends the invitations in their name.
* ``RECEIVED``: it came from this mailbox as a meeting somebody else organises. It is written
  back as Exchange holds it: the organizer's address is data (``exchange_organizer``), never an
  Odoo user, and the organizer's own mailbox is the only source of the organizer's copy.
* ``COPY``: a meeting somebody else organises (``user_id``) and the owner attends: the
  mailbox holds the owner's copy of it, paired with the one Odoo event. Only the owner's answer
  travels from it (see ``bridge.meetings``); its content is the organizer's, and nothing the
  owner does to the copy in Outlook moves the shared meeting.
* ``PLAIN``: anything else the owner takes part in (a booking somebody made for them): an entry
  of their own without attendees, so nothing is sent for them.

An event that came from another mailbox address of the same user (before an administrator
changed it) is none of these: it is left out of this mailbox altogether (``foreign``), so the
entries of one mailbox never travel into another.
"""

from .addresses import normalize

OWN, RECEIVED, PLAIN, COPY = "own", "received", "plain", "copy"


def source_of(event):
    """The mailbox address an entry came from (a series keeps it on its recurrence)."""
    return event.recurrence_id.exchange_source or event.exchange_source or ""


def organizer_of(event):
    """The organizer address an entry from Exchange claimed, when it was not the mailbox's."""
    return event.recurrence_id.exchange_organizer or event.exchange_organizer or ""


def foreign(event, user, mailbox):
    """Came from another mailbox of this user: not this mailbox's to read or write."""
    source = source_of(event)
    return bool(source) and event.user_id == user and source != mailbox


def takes_part(event, user, mailbox):
    """The owner organises or attends the event, and it is not another mailbox's entry."""
    joined = event.user_id == user or user.partner_id in event.partner_ids
    return joined and not foreign(event, user, mailbox)


def declined(event, user):
    """The user declined somebody else's meeting: it is no longer in their calendar."""
    if event.user_id == user:
        return False
    return answer_of(event, user).state == "declined"


def copy_kind(event, user, mailbox):
    """``OWN``, ``RECEIVED``, ``COPY`` or ``PLAIN``: what ``mailbox`` (of ``user``) holds of
    the event."""
    if event.user_id != user:
        return COPY if event.user_id else PLAIN
    organizer = normalize(organizer_of(event))
    if organizer and organizer != mailbox:
        return RECEIVED
    if source_of(event) == mailbox or event.create_uid == user:
        return OWN
    answer = event.attendee_ids.filtered(lambda a: a.partner_id == user.partner_id)[:1]
    return OWN if answer.state == "accepted" else PLAIN


def item_is_own(item, mailbox):
    """An incoming item is the mailbox owner's own entry (no organizer, or the mailbox)."""
    return not item.organizer or normalize(item.organizer) == mailbox


def meeting_organizer(event):
    """The address of the event's organizer as Exchange knows them: the outside organizer an
    entry received in Exchange names, else the organizing user's mailbox."""
    from .addresses import partner_address

    return normalize(organizer_of(event)) or partner_address(event.user_id.partner_id)


def answer_of(event, user):
    """The user's own attendee line of the event (an empty recordset when there is none)."""
    return event.attendee_ids.filtered(lambda a: a.partner_id == user.partner_id)[:1]
