"""The contact card Odoo writes into a new event's description is Odoo's, not the user's.

Odoo's calendar puts "Organized by <name, e-mail>" (and the first other attendee's details)
into the description of an event created without one. Exchange shows the organizer and the
attendees on its own, and an entry the user made the same way in Outlook has no text: read as
text of the entry, the card would make two identical entries differ (a conflict, and a write,
at the first match), and copy Odoo's card into every entry sent to Exchange. So an event whose
whole description is that card is read with an empty one.
"""

from ..sync import normalize


def _html(event, value):
    """``value`` as the event's description field would store it, normalised."""
    field = event._fields["description"]
    return normalize.html_body(str(field.convert_to_cache(value, event) or ""))


def description_of(event, cards=None):
    """The event's description as the entry's text: empty when it is only Odoo's card.

    ``cards`` (a dict the caller keeps for a batch of events) holds the cards already made:
    Odoo looks its superuser up again for each card, one query per event otherwise."""
    text = str(event.description or "")
    if "<strong>" not in text or not event.user_id:
        return text  # the card is always a titled block of the organizer
    partners = event.partner_ids.sorted("id")  # Odoo took the first of them when creating
    key = (event.env.lang, event.user_id.id, tuple(partners.ids))
    card = cards.get(key) if cards is not None else None
    if card is None:
        card = event._get_contact_details_description(event.user_id, partners)
        if cards is not None:
            cards[key] = card
    if normalize.html_body(text) == _html(event, "<div>%s</div>" % card):
        return ""
    return text
