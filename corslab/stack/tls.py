"""The lab's own certificate authority (CA, 인증 기관) and the certificate of its HTTPS origins.

The HTTPS twins of the topology (``topology.tls_services()``: the app, method 2's API, an attacker
site, the header echo) are served by the lab's nginx with one certificate that lists every name
they use - each ``*.localhost`` name on its own (Chromium refuses a ``*.localhost`` wildcard), plus
``localhost`` and ``127.0.0.1`` - signed by a CA made here, on this machine, with the
``cryptography`` library. Nothing is downloaded and nothing leaves the machine:

* the files live in the runtime folder, ``tls/`` (``.run/tls/`` or ``$CORSLAB_RUNTIME/tls/``):
  ``ca.pem`` (the CA certificate, public), ``ca.key`` (its private key, mode 0600), ``lab.pem``
  (the servers' certificate followed by the CA's), ``lab.key`` (mode 0600) and ``lab.json``
  (the names ``lab.pem`` lists and its expiry, so a fitting certificate is not parsed again);
* ``ensure()`` makes them when missing, or when the topology names a host the certificate lacks,
  or when it is close to expiry; ``remove()`` deletes them (``python -m corslab down --remove-ca``);
* no trust store of the system or of a browser is touched here. The Chromium the kit launches
  trusts the lab's key by a command-line switch (``corslab.probing.chromium``); the learner's own
  browser only if the learner runs the commands ``python -m corslab.stack.tls`` prints.

Keys are ECDSA P-256 (fast to make: the first ``up`` stays quick), certificates SHA-256, valid
for 90 days for the servers (well under the 398 days Chromium accepts) and 10 years for the CA.
"""

from __future__ import annotations

import base64
import datetime
import functools
import hashlib
import ipaddress
import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from corslab.errors import CorsLabError
from corslab.fetch.origins import is_ip_address
from corslab.stack import topology

CA_NAME = "CORS Lab local CA (this machine only)"
LEAF_DAYS = 90
RENEW_DAYS = 7  # make a new server certificate when the current one expires within this


@dataclass(frozen=True)
class Files:
    """Where the lab's TLS files are (``folder`` is ``<runtime>/tls``)."""

    folder: Path

    @property
    def ca(self) -> Path:
        return self.folder / "ca.pem"

    @property
    def ca_key(self) -> Path:
        return self.folder / "ca.key"

    @property
    def cert(self) -> Path:
        return self.folder / "lab.pem"

    @property
    def key(self) -> Path:
        return self.folder / "lab.key"

    @property
    def stamp(self) -> Path:
        """What ``lab.pem`` lists and until when: lets ``ensure`` skip parsing it on every ``up``."""
        return self.folder / "lab.json"


def files(runtime: Path | None = None) -> Files:
    """The TLS files of the runtime folder (``runner.runtime_dir()`` unless given)."""
    if runtime is None:
        from corslab.stack import runner

        runtime = runner.runtime_dir()
    return Files(Path(runtime) / "tls")


def names() -> list[str]:
    """The DNS names the certificate lists: ``localhost`` and every host of the topology's
    HTTPS services (IP addresses go into ``addresses()``)."""
    hosts = ["localhost"] + [svc.host for svc in topology.tls_services()]
    return [h for h in dict.fromkeys(hosts) if not is_ip_address(h)]


def addresses() -> list[str]:
    """The IP addresses the certificate lists: 127.0.0.1 and ::1."""
    return ["127.0.0.1", "::1"]


def _crypto():
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    except ImportError:
        raise CorsLabError("the HTTPS origins need the Python package cryptography "
                           "(pip install cryptography, or scripts/setup.sh)") from None
    return x509, hashes, serialization, ec, ExtendedKeyUsageOID, NameOID


def _write_private(path: Path, data: bytes) -> None:
    """Write a private key readable by this user only (0600 from the first byte on)."""
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def _make_ca(where: Files):
    x509, hashes, serialization, ec, _eku, NameOID = _crypto()
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CA_NAME),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "CORS Lab")])
    now = _now()
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=True, crl_sign=True,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    _write_private(where.ca_key, key.private_bytes(serialization.Encoding.PEM,
                                                   serialization.PrivateFormat.PKCS8,
                                                   serialization.NoEncryption()))
    where.ca.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert, key


def _load_ca(where: Files):
    x509, _h, serialization, _ec, _eku, _n = _crypto()
    cert = x509.load_pem_x509_certificate(where.ca.read_bytes())
    key = serialization.load_pem_private_key(where.ca_key.read_bytes(), password=None)
    return cert, key


def _make_leaf(where: Files, ca_cert, ca_key) -> None:
    x509, hashes, serialization, ec, ExtendedKeyUsageOID, NameOID = _crypto()
    key = ec.generate_private_key(ec.SECP256R1())
    now = _now()
    alt = ([x509.DNSName(n) for n in names()]
           + [x509.IPAddress(ipaddress.ip_address(a)) for a in addresses()])
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "CORS Lab HTTPS origins")]))
            .issuer_name(ca_cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=LEAF_DAYS))
            .add_extension(x509.SubjectAlternativeName(alt), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    _write_private(where.key, key.private_bytes(serialization.Encoding.PEM,
                                                serialization.PrivateFormat.PKCS8,
                                                serialization.NoEncryption()))
    where.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM)
                           + ca_cert.public_bytes(serialization.Encoding.PEM))
    where.stamp.write_text(json.dumps({"names": sorted(names() + addresses()),
                                       "not_after": cert.not_valid_after_utc.timestamp()}))


def _leaf_fits(where: Files) -> bool:
    """The server certificate exists, lists every name and address, and is not about to expire."""
    x509 = _crypto()[0]
    try:
        cert = x509.load_pem_x509_certificate(where.cert.read_bytes())
        alt = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (OSError, ValueError, x509.ExtensionNotFound):
        return False
    listed = set(alt.get_values_for_type(x509.DNSName)) | {
        str(a) for a in alt.get_values_for_type(x509.IPAddress)}
    remaining = cert.not_valid_after_utc - _now()
    return (set(names()) | set(addresses())) <= listed and remaining > datetime.timedelta(days=RENEW_DAYS)


def _stamp_fits(where: Files) -> bool:
    """The quick check (no certificate parsing): every file is there and ``lab.json`` says the
    server certificate lists today's names and is not about to expire."""
    try:
        stamp = json.loads(where.stamp.read_text())
        listed, not_after = set(stamp["names"]), float(stamp["not_after"])
    except (OSError, ValueError, KeyError, TypeError):
        return False
    fresh = not_after - _now().timestamp() > RENEW_DAYS * 86400
    return (fresh and (set(names()) | set(addresses())) <= listed
            and all(p.exists() for p in (where.ca, where.ca_key, where.cert, where.key)))


def ensure(runtime: Path | None = None) -> Files:
    """The lab's CA and server certificate, made now if missing, lacking a name, or expiring.
    Idempotent and quick when they are fine (the ``up`` of every service with TLS calls it)."""
    where = files(runtime)
    where.folder.mkdir(parents=True, exist_ok=True)
    os.chmod(where.folder, 0o700)
    if _stamp_fits(where):
        return where
    if where.ca.exists() and where.ca_key.exists():
        try:
            ca_cert, ca_key = _load_ca(where)
        except ValueError:
            raise CorsLabError(f"{where.ca} or its key is damaged; remove them with "
                               "`python -m corslab down --remove-ca` and start again") from None
    else:
        ca_cert, ca_key = _make_ca(where)
        where.cert.unlink(missing_ok=True)  # a new CA: the old server certificate is not its own
    if not _leaf_fits(where):
        _make_leaf(where, ca_cert, ca_key)
    return where


def remove(runtime: Path | None = None) -> bool:
    """Delete the CA and the server certificate (True if there was anything to delete)."""
    where = files(runtime)
    if not where.folder.exists():
        return False
    shutil.rmtree(where.folder)
    return True


def spki_hash(pem: bytes) -> str:
    """base64(SHA-256(SubjectPublicKeyInfo)) of the first certificate in ``pem``: the form
    Chromium's ``--ignore-certificate-errors-spki-list`` and HPKP pins use."""
    x509, _h, serialization, *_ = _crypto()
    cert = x509.load_pem_x509_certificate(pem)
    spki = cert.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


def fingerprint(pem: bytes) -> str:
    """The SHA-256 fingerprint of the first certificate in ``pem`` (AB:CD:...), as browsers show it."""
    x509, hashes, *_ = _crypto()
    digest = x509.load_pem_x509_certificate(pem).fingerprint(hashes.SHA256())
    return ":".join(f"{b:02X}" for b in digest)


def ssl_context(runtime: Path | None = None, *, system: bool = True):
    """An ``ssl.SSLContext`` that verifies certificates against the lab's CA (when there is one)
    and, with ``system``, the system's CAs too (the probe); the runner's health checks use the lab's
    alone. Never one that skips verification. Cached per CA file, as loading the system's CAs costs
    tens of milliseconds."""
    try:
        where = files(runtime)
        stamp = where.ca.stat().st_mtime_ns
    except (OSError, CorsLabError):  # no lab CA (or no usable runtime folder): the system's CAs
        where, stamp = Files(Path(".")), None
    return _context(str(where.ca), stamp, system)


@functools.lru_cache(maxsize=8)
def _context(ca: str, stamp: int | None, system: bool):
    import ssl

    context = ssl.create_default_context() if system else ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if stamp is not None:
        context.load_verify_locations(cafile=ca)
    return context


def loopback_name(host: str) -> bool:
    """``localhost`` and names under ``.localhost``: loopback by definition (RFC 6761 section 6.3),
    as Chromium and Firefox resolve them whatever the system resolver says."""
    host = host.lower().rstrip(".")
    return host == "localhost" or host.endswith(".localhost")


class _HTTPSConnection(__import__("http.client").client.HTTPSConnection):
    """HTTPS whose socket goes to ``address`` while SNI and the certificate check use the host."""

    def __init__(self, host, port, address, **kwargs):
        super().__init__(host, port, **kwargs)
        self._address = address

    def connect(self):
        import socket

        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def https_connection(host: str, port: int | None, timeout: float, runtime: Path | None = None,
                     *, system: bool = True, context=None):
    """An ``http.client.HTTPSConnection`` to ``host`` verified against the lab's CA (and the
    system's, with ``system``) unless a ``context`` is given; a ``*.localhost`` name is reached on
    127.0.0.1, as a browser does."""
    address = "127.0.0.1" if loopback_name(host) else host
    return _HTTPSConnection(host, port or 443, address, timeout=timeout,
                            context=context or ssl_context(runtime, system=system))


def trust_instructions(runtime: Path | None = None) -> str:
    """What a learner runs to make their own browser trust the lab's CA, and to undo it."""
    where = files(runtime)
    ca = where.ca
    return f"""\
The lab's CA certificate: {ca}
SHA-256 fingerprint:      {fingerprint(ca.read_bytes()) if ca.exists() else '(not made yet: run `python -m corslab up`)'}
Its private key stays in {where.ca_key} (mode 0600); nothing here changes a trust store by itself.

Your own browser has three choices:

1. Accept the warning once per origin: open each HTTPS origin, "Advanced" -> "Proceed to ...".
   Enough to click through pages; fetch() to an origin you have not accepted fails.

2. Trust the CA in your browser profile only (undo any time):
   Chrome/Chromium on Linux (NSS, needs libnss3-tools):
     certutil -d sql:$HOME/.pki/nssdb -A -t "C,," -n "CORS Lab local CA" -i {ca}
     remove: certutil -d sql:$HOME/.pki/nssdb -D -n "CORS Lab local CA"
   Firefox: Settings -> Privacy & Security -> Certificates -> View Certificates -> Authorities
     -> Import {ca} ("Trust this CA to identify websites"); remove: select it -> Delete.

3. Trust it system-wide (changes your system's trust store; undo with the second line):
   Debian/Ubuntu:
     sudo cp {ca} /usr/local/share/ca-certificates/corslab-ca.crt && sudo update-ca-certificates
     remove: sudo rm /usr/local/share/ca-certificates/corslab-ca.crt && sudo update-ca-certificates --fresh
   macOS:
     sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain {ca}
     remove: sudo security delete-certificate -c "{CA_NAME}" /Library/Keychains/System.keychain

Whoever holds {where.ca_key} can make certificates your browser then trusts for any name: keep it
on this machine, and remove the CA from your trust store before deleting the lab
(`python -m corslab down --remove-ca` deletes the key and the certificates).
"""


def main(argv: list[str] | None = None) -> int:
    """``python -m corslab.stack.tls``: make the CA if needed and print how to trust it."""
    args = sys.argv[1:] if argv is None else argv
    try:
        if args == ["--remove"]:
            print("removed the lab's CA and certificates" if remove() else "no lab CA to remove")
            return 0
        if args:
            print("usage: python -m corslab.stack.tls [--remove]", file=sys.stderr)
            return 2
        ensure()
        print(trust_instructions())
    except CorsLabError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
