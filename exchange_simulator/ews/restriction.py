"""Evaluation of an EWS ``<m:Restriction>`` (FindItem filters) against store items.

Covers what a calendar client filters on: IsEqualTo / IsNotEqualTo / IsGreaterThan(OrEqualTo)
/ IsLessThan(OrEqualTo) / Exists / Contains on a FieldURI or ExtendedFieldURI, combined with
And / Or / Not. Anything else answers ErrorUnsupportedQueryFilter, as Exchange does for
filters it cannot run.
"""

from .item_parse import ext_key, parse_datetime
from .soap import ItemError, t

# FieldURI -> store attribute the restriction compares.
FIELDS = {
    "item:Subject": "subject",
    "item:ItemClass": "item_class",
    "item:DateTimeReceived": "created",
    "message:IsRead": "is_read",
    "calendar:IsCancelled": "is_cancelled",
    "item:Sensitivity": "sensitivity",
    "item:Categories": "categories",
    "item:DateTimeCreated": "created",
    "item:LastModifiedTime": "last_modified",
    "calendar:UID": "uid",
    "calendar:Start": "start",
    "calendar:End": "end",
    "calendar:Location": "location",
    "calendar:IsAllDayEvent": "is_all_day",
    "calendar:CalendarItemType": "item_type",
    "calendar:LegacyFreeBusyStatus": "show_as",
    # FindFolder of contacts folders (ops_contacts)
    "folder:DisplayName": "display_name",
    "folder:FolderClass": "folder_class",
}
COMPARE = {
    "IsEqualTo": lambda a, b: a == b,
    "IsNotEqualTo": lambda a, b: a != b,
    "IsGreaterThan": lambda a, b: a is not None and a > b,
    "IsGreaterThanOrEqualTo": lambda a, b: a is not None and a >= b,
    "IsLessThan": lambda a, b: a is not None and a < b,
    "IsLessThanOrEqualTo": lambda a, b: a is not None and a <= b,
}


def _name(elem):
    return elem.tag.split("}")[1]


def _value_of(item, uri_elem):
    if uri_elem.tag == t("ExtendedFieldURI"):
        return item.extended_properties.get(ext_key(uri_elem)), True
    if uri_elem.tag == t("FieldURI"):
        attr = FIELDS.get(uri_elem.get("FieldURI"))
        if attr is None:
            raise ItemError("ErrorUnsupportedPathForQuery", "This property cannot be filtered on.")
        return getattr(item, attr), False
    raise ItemError("ErrorUnsupportedQueryFilter", "This property cannot be filtered on.")


def _constant(raw, sample, ctx):
    from datetime import datetime

    if isinstance(sample, bool):
        return raw.lower() in ("true", "1")
    if isinstance(sample, datetime):
        return parse_datetime(raw, ctx.tz)
    if isinstance(sample, int):
        return int(raw)
    return raw


def matches(elem, item, ctx):
    """True when ``item`` satisfies the restriction node ``elem``."""
    name = _name(elem)
    if name == "Restriction":
        return matches(elem[0], item, ctx)
    if name == "And":
        return all(matches(child, item, ctx) for child in elem)
    if name == "Or":
        return any(matches(child, item, ctx) for child in elem)
    if name == "Not":
        return not matches(elem[0], item, ctx)
    if name == "Exists":
        value, _ = _value_of(item, elem[0])
        return value not in (None, "", [])
    if name in COMPARE:
        value, _ = _value_of(item, elem[0])
        raw = elem.find(t("FieldURIOrConstant")).find(t("Constant")).get("Value")
        if isinstance(value, list):
            return any(COMPARE[name](v, raw) for v in value)
        return COMPARE[name](value, _constant(raw, value, ctx))
    if name == "Contains":
        value, _ = _value_of(item, elem[0])
        needle = elem.find(t("Constant")).get("Value")
        mode = elem.get("ContainmentMode", "Substring")
        compare = elem.get("ContainmentComparison", "Exact")
        hay = value if isinstance(value, list) else [value or ""]
        if compare != "Exact":
            needle, hay = needle.lower(), [h.lower() for h in hay]
        if mode == "FullString":
            return needle in hay
        if mode == "Prefixed":
            return any(h.startswith(needle) for h in hay)
        return any(needle in h for h in hay)
    raise ItemError("ErrorUnsupportedQueryFilter", "The restriction %s is not supported." % name)
