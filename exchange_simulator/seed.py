"""JSON seeds: who exists on the simulated server, what they may do, and what their calendars hold.

Format (every key optional except ``users``)::

    {
      "server": {"version": "Exchange2016", "domain": "CONTOSO", "clock_skew_seconds": 0},
      "users": [
        {"smtp": "alice@contoso.com", "upn": "alice@contoso.com", "username": "alice",
         "password": "secret", "display_name": "Alice", "mailbox": true,
         "aliases": ["a.smith@contoso.com", "alice@fabrikam.com"]}
      ],
      "impersonation": {"svc-sync@contoso.com": ["alice@contoso.com"]},   # or ["*"]
      "tenants": [
        {"tenant_id": "…guid…", "domains": ["contoso.com"],
         "apps": [{"client_id": "…", "client_secret": "…", "name": "Odoo sync",
                   "consented": true, "permissions": ["Calendars.ReadWrite"]}]}
      ],
      "mailboxes": {"alice@contoso.com": {"items": [ITEM, …]}}
    }

``server.version`` is one of :data:`VERSIONS`; ``server.batch_order_seed`` (0 by default)
seeds the order in which Graph ``$batch`` answers come back. ``username`` is the NetBIOS
logon name used as ``DOMAIN\\username`` (defaults to the SMTP local part). Users with
``"mailbox": false`` (a service account, or in a tenant a user whose mailbox is still on
premises) get no mailbox. ``aliases`` are the user's other SMTP addresses (Exchange's proxy
addresses); ``smtp`` is the primary one (see :mod:`exchange_simulator.addresses`).
``impersonation`` names, per delegate, the mailboxes it may impersonate (Exchange's
ApplicationImpersonation role, limited by a management scope). ``tenants`` carry the Azure AD
app registrations the Graph/login front ends check (client id, secret, admin consent).

ITEM is a store :class:`~exchange_simulator.store.Item` as JSON: the same attribute names,
datetimes as ISO 8601 strings in UTC (``"2026-03-02T08:00:00Z"``), attendees as
``{"email", "name", "response", "response_time"}``, ``extended_properties`` as a list of
``{"set", "name", "type", "value"}``, ``modified_occurrences`` as a list of
``{"original_start", <overridden fields>}`` and ``deleted_occurrences`` as a list of datetimes.
"""

import json
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta, timezone
from pathlib import Path

from . import persist
from .store import Attendee, Item, Store

VERSIONS = ("Exchange2007_SP1", "Exchange2010_SP2", "Exchange2013", "Exchange2016")
_DATETIMES = ("created", "last_modified", "start", "end", "original_start", "response_time")
_ATTENDEE_LISTS = ("required_attendees", "optional_attendees", "to_recipients", "cc_recipients")
_SKIP = {"id", "change_key", "folder_id", "master_id", "instance_index", "original_start"}


@dataclass
class User:
    smtp: str
    password: str
    upn: str = ""
    username: str = ""
    display_name: str = ""
    mailbox: bool = True
    aliases: list = field(default_factory=list)  # secondary SMTP (proxy) addresses

    def __post_init__(self):
        self.upn = self.upn or self.smtp
        self.username = self.username or self.smtp.split("@")[0]
        self.display_name = self.display_name or self.username


@dataclass
class Seed:
    users: list = field(default_factory=list)
    server: dict = field(default_factory=dict)
    impersonation: dict = field(default_factory=dict)
    tenants: list = field(default_factory=list)
    mailboxes: dict = field(default_factory=dict)
    # What the server keeps besides items (see persist.py): change logs, the sync-state key.
    state: dict = field(default_factory=dict)

    @property
    def version(self):
        return self.server.get("version", "Exchange2016")

    @property
    def domain(self):
        return self.server.get("domain", "CONTOSO")

    def find_user(self, login):
        """The user for ``DOMAIN\\name``, ``name``, a UPN or an SMTP address, or None."""
        login = (login or "").strip().lower()
        if "\\" in login:
            domain, login = login.split("\\", 1)
            if domain != self.domain.lower():
                return None
        for user in self.users:
            if login in (user.username.lower(), user.upn.lower(), user.smtp.lower()):
                return user
        return None

    def may_impersonate(self, delegate_smtp, mailbox):
        allowed = self.impersonation.get(delegate_smtp.lower(), ())
        return "*" in allowed or mailbox.lower() in allowed

    def apply(self, store):
        """Create the mailboxes and items of this seed in ``store``."""
        skew = self.server.get("clock_skew_seconds", 0)
        if skew:
            store.clock.shift(timedelta(seconds=skew))
        for user in self.users:
            if user.mailbox:
                store.add_mailbox(user.smtp, user.display_name)
        saved = self.state.get("mailboxes", {})
        for smtp, content in self.mailboxes.items():
            store.add_mailbox(smtp)
            if smtp in saved:
                persist.restore_mailbox(store, smtp, saved[smtp])
            for raw in content.get("items", ()):
                if "id" in raw:  # written by save_seed: the same item as before the restart
                    persist.restore_item(store, smtp, item_from_json(raw))
                else:
                    store.create_item(smtp, item_from_json(raw))
        return store

    def to_json(self, store=None):
        data = {
            "server": self.server,
            "users": [u.__dict__.copy() for u in self.users],
            "impersonation": self.impersonation,
            "tenants": self.tenants,
        }
        if store is not None:
            data["mailboxes"] = {
                smtp: {"items": [item_to_json(i, keep_ids=True) for i in store.items(smtp)]}
                for smtp in store.mailboxes()
            }
            data["state"] = {**self.state, "mailboxes": persist.dump(store)}
        else:
            data["mailboxes"] = self.mailboxes
            data["state"] = self.state
        return data


def load_seed(source):
    """A :class:`Seed` from a path, a JSON string or an already parsed dict."""
    if isinstance(source, Seed):
        return source
    if isinstance(source, Path) or (
        isinstance(source, str) and not source.lstrip().startswith("{")
    ):
        source = json.loads(Path(source).read_text(encoding="utf-8"))
    elif isinstance(source, str):
        source = json.loads(source)
    source = dict(source)
    impersonation = {
        k.lower(): [m.lower() for m in v] for k, v in source.get("impersonation", {}).items()
    }
    return Seed(
        users=[User(**u) for u in source.get("users", ())],
        server=dict(source.get("server", {})),
        impersonation=impersonation,
        tenants=list(source.get("tenants", ())),
        mailboxes=dict(source.get("mailboxes", {})),
        state=dict(source.get("state", {})),
    )


def save_seed(seed, path, store=None):
    """Write ``seed`` (with the store's current items when given) as indented JSON."""
    Path(path).write_text(json.dumps(seed.to_json(store), indent=2), encoding="utf-8")


def _dt(value):
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc)


def _iso(value):
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _stamp(value):
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def item_from_json(raw):
    """Store field values (for ``Store.create_item``) from an ITEM dict."""
    values = {}
    for name, value in raw.items():
        if name in _DATETIMES:
            values[name] = _dt(value)
        elif name in _ATTENDEE_LISTS:
            values[name] = [_attendee(a) for a in value]
        elif name in ("organizer", "sender"):
            values[name] = _attendee(value) if value else None
        elif name == "extended_properties":
            values[name] = {(p["set"], p["name"], p["type"]): p["value"] for p in value}
        elif name == "deleted_occurrences":
            values[name] = {_dt(v) for v in value}
        elif name == "modified_occurrences":
            values[name] = {
                _dt(o["original_start"]): item_from_json(
                    {k: v for k, v in o.items() if k != "original_start"}
                )
                for o in value
            }
        else:
            values[name] = value
    return values


def _attendee(raw):
    return Attendee(**dict(raw, response_time=_dt(raw.get("response_time"))))


def _attendee_json(att):
    out = dict(att.__dict__)
    out["response_time"] = _iso(att.response_time) if att.response_time else None
    return out


def item_to_json(item, keep_ids=False):
    """The ITEM dict of a store item (inverse of :func:`item_from_json`); ``keep_ids`` adds
    its id, change key and timestamps, to start the same server again (persist.py)."""
    out = {}
    for f in fields(Item):
        if f.name in _SKIP or f.name in ("created", "last_modified"):
            continue
        out[f.name] = _value_to_json(f.name, getattr(item, f.name))
    if keep_ids:
        out["id"], out["change_key"] = item.id, item.change_key
        out["created"], out["last_modified"] = _stamp(item.created), _stamp(item.last_modified)
    return out


def _value_to_json(name, value):
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, Attendee):
        return _attendee_json(value)
    if name in _ATTENDEE_LISTS:
        return [_attendee_json(a) for a in value]
    if name == "extended_properties":
        return [{"set": k[0], "name": k[1], "type": k[2], "value": v} for k, v in value.items()]
    if name == "deleted_occurrences":
        return sorted(_iso(v) for v in value)
    if name == "modified_occurrences":
        return [
            {
                "original_start": _iso(start),
                **{
                    k: _value_to_json(k, v)
                    for k, v in over.items()
                    if k not in ("change_key", "last_modified")
                },
            }
            for start, over in sorted(value.items())
        ]
    return value


def empty_store(seed):
    return seed.apply(Store())
