"""SOAP 1.1 envelopes, EWS namespaces, response messages and faults, as Exchange writes them."""

from lxml import etree

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
M = "http://schemas.microsoft.com/exchange/services/2006/messages"
T = "http://schemas.microsoft.com/exchange/services/2006/types"
E = "http://schemas.microsoft.com/exchange/services/2006/errors"
NSMAP = {"s": SOAP, "m": M, "t": T}

# Build numbers a real server of each version reports (ServerVersionInfo).
BUILDS = {
    "Exchange2007_SP1": (8, 1, 436, 0),
    "Exchange2010_SP2": (14, 2, 247, 5),
    "Exchange2013": (15, 0, 516, 32),
    "Exchange2016": (15, 1, 225, 42),
}
# Every RequestServerVersion value the schema knows, oldest first: a request for a version
# newer than the server gets ErrorInvalidServerVersion.
API_ORDER = (
    "Exchange2007",
    "Exchange2007_SP1",
    "Exchange2010",
    "Exchange2010_SP1",
    "Exchange2010_SP2",
    "Exchange2013",
    "Exchange2013_SP1",
    "Exchange2015",
    "Exchange2016",
    "V2015_10_05",
    "V2016_01_06",
    "V2016_04_13",
    "V2016_07_13",
    "V2016_10_10",
    "V2017_01_07",
    "V2017_04_14",
    "V2017_07_11",
    "V2017_10_09",
    "V2018_01_08",
)


def m(tag):
    return "{%s}%s" % (M, tag)


def t(tag):
    return "{%s}%s" % (T, tag)


def sub(parent, tag, text=None, **attrs):
    """Append a child (``tag`` already namespaced) with optional text and attributes."""
    child = etree.SubElement(parent, tag, {k: str(v) for k, v in attrs.items()})
    if text is not None:
        child.text = text if isinstance(text, str) else str(text)
    return child


def server_version_info(version):
    major, minor, build, minor_build = BUILDS[version]
    return etree.Element(
        t("ServerVersionInfo"),
        {
            "MajorVersion": str(major),
            "MinorVersion": str(minor),
            "MajorBuildNumber": str(build),
            "MinorBuildNumber": str(minor_build),
            "Version": version,
        },
        nsmap={"t": T},
    )


def envelope(body_child, version=None):
    env = etree.Element("{%s}Envelope" % SOAP, nsmap=NSMAP)
    if version:
        header = etree.SubElement(env, "{%s}Header" % SOAP)
        header.append(server_version_info(version))
    body = etree.SubElement(env, "{%s}Body" % SOAP)
    body.append(body_child)
    return env


def serialize(env):
    return etree.tostring(env, xml_declaration=True, encoding="utf-8")


# Operations whose response messages are ItemInfoResponseMessageType (Items is required).
ITEM_INFO_OPERATIONS = {"CreateItem", "GetItem", "UpdateItem"}


class ResponseBuilder:
    """Builds ``<m:FooResponse><m:ResponseMessages>`` with one message per request element."""

    def __init__(self, operation):
        self.operation = operation
        self.root = etree.Element(m(operation + "Response"), nsmap={"m": M, "t": T})
        self.messages = etree.SubElement(self.root, m("ResponseMessages"))
        self.error_codes = []

    def success(self):
        msg = sub(self.messages, m(self.operation + "ResponseMessage"), ResponseClass="Success")
        sub(msg, m("ResponseCode"), "NoError")
        return msg

    def error(self, code, text, response_class="Error"):
        msg = sub(
            self.messages, m(self.operation + "ResponseMessage"), ResponseClass=response_class
        )
        sub(msg, m("MessageText"), text)
        sub(msg, m("ResponseCode"), code)
        sub(msg, m("DescriptiveLinkKey"), "0")
        if self.operation in ITEM_INFO_OPERATIONS:
            sub(msg, m("Items"))  # required by the schema even when empty, as Exchange sends it
        if self.operation == "SyncFolderItems":
            # Exchange still sends these (empty) on errors, and clients read them.
            sub(msg, m("SyncState"), "")
            sub(msg, m("IncludesLastItemInRange"), "true")
        self.error_codes.append(code)
        return msg


class EwsFault(Exception):
    """A request-level failure answered as a SOAP fault (schema, impersonation, version …)."""

    def __init__(self, code, text, status=500, values=None, faultcode=None):
        super().__init__(text)
        self.code, self.text, self.status = code, text, status
        self.values = values or {}
        self.faultcode = faultcode or ("a:" + code)

    def envelope(self, version=None):
        fault = etree.Element("{%s}Fault" % SOAP, nsmap={"s": SOAP})
        # The "a:" prefix of the fault code is declared on the envelope (Exchange's errors ns).
        sub(fault, "faultcode", self.faultcode)
        sub(fault, "faultstring", self.text).set(
            "{http://www.w3.org/XML/1998/namespace}lang", "en-US"
        )
        detail = sub(fault, "detail")
        sub(detail, "{%s}ResponseCode" % E, self.code)
        sub(detail, "{%s}Message" % E, self.text)
        if self.values:
            xml = sub(detail, t("MessageXml"))
            for name, value in self.values.items():
                sub(xml, t("Value"), value, Name=name)
        env = etree.Element("{%s}Envelope" % SOAP, nsmap={"s": SOAP, "a": E, "t": T})
        if version:
            header = etree.SubElement(env, "{%s}Header" % SOAP)
            header.append(server_version_info(version))
        etree.SubElement(env, "{%s}Body" % SOAP).append(fault)
        return env


class ItemError(Exception):
    """One item of a request failed: answered as an Error response message, others go on."""

    def __init__(self, code, text):
        super().__init__(text)
        self.code, self.text = code, text
