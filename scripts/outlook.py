"""A stand-in for Outlook in the demo: list, add and delete entries of a simulated mailbox.

    python3 scripts/outlook.py list admin@contoso.com
    python3 scripts/outlook.py add admin@contoso.com "Lunch with Ann" 2026-12-01T12:00 60
    python3 scripts/outlook.py delete admin@contoso.com "Lunch with Ann"

It talks EWS to the simulator that `make run` starts (http://127.0.0.1:8765, or SIMULATOR_PORT)
with exchangelib, as the demo seed's delegate, the way any EWS client would; Odoo picks the
changes up at its next sync (the cron, or Sync now in the calendar).
"""

import argparse
import os
from datetime import datetime, timedelta

from exchangelib import (
    IMPERSONATION,
    NTLM,
    Account,
    CalendarItem,
    Configuration,
    Credentials,
    EWSDateTime,
    EWSTimeZone,
)

DELEGATE = ("CONTOSO\\svc-odoo", "Demo-Delegate-1")  # exchange_simulator/seeds/demo.json


def account(mailbox):
    port = os.environ.get("SIMULATOR_PORT", "8765")
    config = Configuration(
        service_endpoint="http://127.0.0.1:%s/EWS/Exchange.asmx" % port,
        credentials=Credentials(*DELEGATE),
        auth_type=NTLM,
    )
    return Account(mailbox, config=config, autodiscover=False, access_type=IMPERSONATION)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("list", "add", "delete"))
    parser.add_argument("mailbox")
    parser.add_argument("subject", nargs="?")
    parser.add_argument("start", nargs="?", help="local time, e.g. 2026-12-01T12:00")
    parser.add_argument("minutes", nargs="?", type=int, default=60)
    parser.add_argument("--zone", default="Europe/Stockholm")
    args = parser.parse_args()
    calendar = account(args.mailbox).calendar
    if args.action == "list":
        for item in calendar.all().order_by("start").only("subject", "start", "end"):
            print("%s  %s - %s" % (item.subject, item.start, item.end))
    elif args.action == "add":
        if not (args.subject and args.start):
            parser.error("add needs a subject and a start")
        zone = EWSTimeZone(args.zone)
        start = EWSDateTime.from_datetime(datetime.fromisoformat(args.start)).replace(tzinfo=zone)
        CalendarItem(
            folder=calendar,
            subject=args.subject,
            start=start,
            end=start + timedelta(minutes=args.minutes),
        ).save(send_meeting_invitations="SendToNone")
        print("added %r to %s" % (args.subject, args.mailbox))
    else:
        doomed = list(calendar.filter(subject=args.subject))
        for item in doomed:
            item.delete(send_meeting_cancellations="SendToNone")
        print("deleted %d entr%s" % (len(doomed), "y" if len(doomed) == 1 else "ies"))


if __name__ == "__main__":
    main()
