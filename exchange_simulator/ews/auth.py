"""HTTP authentication of the EWS endpoint, as IIS does it: Basic and NTLM (connection-based).

NTLM is a three-leg handshake that must stay on one keep-alive connection: the server keeps
the pyspnego acceptor on the cheroot connection object between requests, and once the
handshake succeeded, later requests on that connection are authenticated without a header
(IIS's default, which requests_ntlm relies on).

pyspnego's NTLM acceptor reads its user database from the file named by the process-wide
``NTLM_USER_FILE`` environment variable; :func:`publish_ntlm_users` writes the users of every
simulator started in this process into one such file (the newest seed first).
"""

import atexit
import base64
import binascii
import os
import tempfile
import threading

import spnego

_lock = threading.Lock()
_lines = []
_file = None


def publish_ntlm_users(seed):
    """Make the seed's users known to pyspnego's NTLM acceptor."""
    global _file
    new = []
    for user in seed.users:
        if ":" in user.password:
            continue  # the flat-file format cannot hold it; Basic still works for that user
        new.append("%s:%s:%s" % (seed.domain, user.username, user.password))
        new.append(":%s:%s" % (user.upn, user.password))
    with _lock:
        _lines[:0] = [line for line in new if line not in _lines]
        if _file is None:
            fd, _file = tempfile.mkstemp(prefix="ews-sim-ntlm-", suffix=".txt")
            os.close(fd)
            atexit.register(lambda: os.path.exists(_file) and os.unlink(_file))
        with open(_file, "w", encoding="utf-8") as handle:
            handle.write("\n".join(_lines) + "\n")
        os.environ["NTLM_USER_FILE"] = _file


class Unauthorized(Exception):
    """Answer 401 with these WWW-Authenticate values."""

    def __init__(self, challenges):
        super().__init__("unauthorized")
        self.challenges = challenges


def _offers(seed):
    methods = seed.server.get("auth", ["NTLM", "Basic"])
    offers = []
    if "NTLM" in methods:
        offers += ["Negotiate", "NTLM"]
    if "Basic" in methods:
        offers.append('Basic realm="%s"' % seed.server.get("host", "127.0.0.1"))
    return offers


def authenticate(environ, seed):
    """The authenticated seed user of this request, or raise :class:`Unauthorized`."""
    conn = environ.get("simulator.conn")
    header = environ.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = header.partition(" ")
    scheme = scheme.lower()
    methods = seed.server.get("auth", ["NTLM", "Basic"])
    if not header:
        user = getattr(conn, "ews_ntlm_user", None)
        if user is not None:
            return user
        raise Unauthorized(_offers(seed))
    if scheme == "basic" and "Basic" in methods:
        try:
            login, _, password = base64.b64decode(token).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise Unauthorized(_offers(seed)) from None
        user = seed.find_user(login)
        if user is None or user.password != password:
            raise Unauthorized(_offers(seed))
        return user
    if scheme in ("ntlm", "negotiate") and "NTLM" in methods and conn is not None:
        return _ntlm_step(conn, scheme, token, seed)
    raise Unauthorized(_offers(seed))


def _ntlm_step(conn, scheme, token, seed):
    try:
        data = base64.b64decode(token)
    except binascii.Error:
        raise Unauthorized(_offers(seed)) from None
    context = getattr(conn, "ews_ntlm_context", None)
    if data[:8] == b"NTLMSSP\x00" and data[8:12] == b"\x01\x00\x00\x00":
        context = spnego.server(protocol="ntlm")  # a new handshake starts
        conn.ews_ntlm_user = None
    if context is None:
        raise Unauthorized(_offers(seed))
    try:
        answer = context.step(data)
    except spnego.exceptions.SpnegoError:
        conn.ews_ntlm_context = None
        raise Unauthorized(_offers(seed)) from None
    if not context.complete:
        conn.ews_ntlm_context = context
        raise Unauthorized(
            [
                "%s %s"
                % (
                    scheme.upper() if scheme == "ntlm" else "Negotiate",
                    base64.b64encode(answer).decode(),
                )
            ]
        )
    conn.ews_ntlm_context = None
    user = seed.find_user(context.client_principal)
    if user is None:
        raise Unauthorized(_offers(seed))
    conn.ews_ntlm_user = user
    return user
