"""Item bodies as Exchange keeps and serves them, for both front ends (they share the store).

Exchange never hands an HTML body back byte for byte: its HTML writer puts the content in a
document of its own (``<html><head><meta http-equiv="Content-Type" ...></head><body>``), with
CRLF line ends and HTML 4 void tags (``<br>``, not ``<br/>``). A text body stays text; asked for
as HTML it is converted (escaped, line breaks as ``<br>``), and an HTML body asked for as text
(EWS ``BodyType`` Text, Graph ``outlook.body-content-type="text"``) loses its markup.

The store keeps what the client sent and ``extra["body_type"]`` ("HTML" or "Text"); every
answer goes through :func:`render`, which is idempotent, so items seeded straight into the
store read back the same way as items written through EWS or Graph.
"""

import html
import re

HEAD = '<html><head>\r\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\r\n'
SHELL = HEAD + "</head>\r\n<body>\r\n%s\r\n</body>\r\n</html>\r\n"
_BODY = re.compile(r"<body[^>]*>(.*?)(?:</body>|$)", re.I | re.S)
_VOID = re.compile(r"<(br|hr|img|meta|input)\b([^>]*?)\s*/\s*>", re.I)
_BREAK = re.compile(r"<br\b[^>]*>|</(p|div|li|tr|h[1-6])\s*>", re.I)
_TAG = re.compile(r"<[^>]+>")
_HEAD = re.compile(r"<head\b.*?</head>", re.I | re.S)


def _crlf(text):
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")


def inner_html(content):
    """What is inside the ``<body>`` of a document (the whole text when it is a fragment)."""
    match = _BODY.search(content or "")
    inner = match.group(1) if match else _HEAD.sub("", content or "")
    inner = re.sub(r"</?html[^>]*>", "", inner, flags=re.I)
    return inner.strip()


def store_html(content):
    """The HTML document Exchange serves for ``content`` ("" stays "")."""
    inner = inner_html(content)
    if not inner:
        return ""
    inner = _VOID.sub(lambda m: "<%s%s>" % (m.group(1).lower(), m.group(2)), inner)
    return SHELL % _crlf(inner)


def html_to_text(content):
    """The text Exchange gives for an HTML body: markup gone, breaks as CRLF."""
    inner = inner_html(content)
    text = _BREAK.sub("\n", inner.replace("\r\n", "\n").replace("\n", " "))
    text = html.unescape(_TAG.sub("", text)).replace("\xa0", " ")
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return "\r\n".join(lines).strip()


def text_to_html(text):
    """The HTML document Exchange serves for a text body."""
    if not (text or "").strip():
        return ""
    escaped = html.escape(text, quote=False).replace("\r\n", "\n").replace("\n", "<br>\r\n")
    return SHELL % ('<div class="PlainText">%s</div>' % escaped)


def store_text(text):
    return _crlf(text or "")


def render(body, stored_type, wanted):
    """``(content, type)`` of a body stored as ``stored_type`` for a client asking ``wanted``
    ("HTML", "Text" or "Best": the stored kind)."""
    stored_type = "Text" if (stored_type or "").lower() == "text" else "HTML"
    wanted = {"html": "HTML", "text": "Text"}.get((wanted or "").lower(), stored_type)
    if stored_type == "Text":
        return (store_text(body), "Text") if wanted == "Text" else (text_to_html(body), "HTML")
    if wanted == "Text":
        return html_to_text(body), "Text"
    return store_html(body), "HTML"
