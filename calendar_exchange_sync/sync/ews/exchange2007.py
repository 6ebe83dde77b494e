"""Exchange 2007 SP1: where exchangelib writes what that server's schema has not, and our fix.

exchangelib 5.6 speaks the Exchange2007_SP1 schema to such a server (our Settings pin the
version) but writes two things that schema does not have, so the server refuses the whole
request with ErrorSchemaValidation:

1. ``<t:MeetingTimeZone Id="..." Name="..."/>`` on every created or updated entry: the
   element is a TimeZoneType, whose only attribute is ``TimeZoneName`` (exchangelib also
   reads only ``Id``/``Name`` back);
2. ``<t:FirstDayOfWeek>`` in every weekly pattern: an element Exchange 2010 SP1 brought, which
   exchangelib writes whatever the version.

Each fix is confined to the one exchangelib field concerned, changes nothing for Exchange 2010
and later, and is applied once (idempotently) when the EWS backend is imported.
"""

from exchangelib import CalendarItem as EwsItem
from exchangelib import EWSTimeZone
from exchangelib.recurrence import WeeklyPattern
from exchangelib.util import create_element
from exchangelib.version import EXCHANGE_2010_SP1


def fix_meeting_time_zone():
    """Write and read MeetingTimeZone with the ``TimeZoneName`` attribute the schema has."""
    field = EwsItem.get_field_by_fieldname("_meeting_timezone")
    if getattr(field, "_odoo_fixed", False):
        return

    def to_xml(value, version):
        return create_element(field.request_tag(), attrs={"TimeZoneName": value.ms_id})

    def from_xml(elem, account):
        found = elem.find(field.response_tag())
        name = found.get("TimeZoneName") if found is not None else None
        if not name:
            return field.default
        try:
            return EWSTimeZone.from_ms_id(name)
        except Exception:  # an unknown zone name: leave the zone unset, as exchangelib does
            return None

    field.to_xml, field.from_xml, field._odoo_fixed = to_xml, from_xml, True


def fix_first_day_of_week():
    """Leave FirstDayOfWeek out of weekly patterns sent to servers older than 2010 SP1 (read
    back, a pattern without it starts its weeks on Monday, exchangelib's default)."""
    field = WeeklyPattern.get_field_by_fieldname("first_day_of_week")
    field.supported_from = EXCHANGE_2010_SP1


def apply():
    fix_meeting_time_zone()
    fix_first_day_of_week()
