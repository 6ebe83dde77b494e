"""A throw-away certificate authority and server certificate for the simulator's HTTPS port.

msal talks to a login endpoint over HTTPS only, and the backends must verify certificates as
they would against Microsoft, so the simulator cannot serve a self-signed certificate that
clients are told to ignore. At first use we create a CA and a certificate for 127.0.0.1 and
localhost signed by it (trustme, on top of cryptography), write them to a temporary folder and
hand the CA file to clients (``Simulator.ca_file``), who pass it as ``verify=``.

One CA per process: creating an RSA key costs tens of milliseconds, and every simulator of a
test session can share it. The folder is removed when the process exits.
"""

import atexit
import shutil
import tempfile
import threading
from pathlib import Path

import trustme

_lock = threading.Lock()
_cache = {}


def _folder():
    if "folder" not in _cache:
        folder = Path(tempfile.mkdtemp(prefix="exchange-simulator-tls-"))
        atexit.register(shutil.rmtree, folder, True)
        _cache["folder"] = folder
        _cache["ca"] = trustme.CA(organization_name="Exchange simulator test CA")
        ca_file = folder / "ca.pem"
        _cache["ca"].cert_pem.write_to_path(str(ca_file))
        _cache["ca_file"] = str(ca_file)
    return _cache["folder"]


def ca_file():
    """Path of the PEM file holding the CA certificate clients must trust."""
    with _lock:
        _folder()
        return _cache["ca_file"]


def server_files(host="127.0.0.1"):
    """(certificate chain file, private key file, CA file) for a server on ``host``.

    The certificate also names 127.0.0.1 and localhost, whatever ``host`` is.
    """
    with _lock:
        folder = _folder()
        key = ("server", host)
        if key not in _cache:
            names = sorted({host, "127.0.0.1", "localhost"})
            cert = _cache["ca"].issue_cert(*names)
            safe = host.replace(":", "_")
            chain, private = folder / f"{safe}-chain.pem", folder / f"{safe}-key.pem"
            with chain.open("wb") as out:
                for blob in cert.cert_chain_pems:
                    out.write(blob.bytes())
            cert.private_key_pem.write_to_path(str(private))
            _cache[key] = (str(chain), str(private))
        chain, private = _cache[key]
        return chain, private, _cache["ca_file"]
