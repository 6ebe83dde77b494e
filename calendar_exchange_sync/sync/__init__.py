"""Pure-Python synchronisation core: no import of Odoo anywhere below this package.

It holds the calendar item value object, the reconciliation engine, time zone and recurrence
conversions, and the two Exchange backends (EWS for on-premises servers, Microsoft Graph for
Office 365). The ORM layer feeds it records translated to items and stores what it answers.
"""
