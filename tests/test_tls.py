"""The one-command self-signed certificate for a village network (the counter's camera needs HTTPS)."""

import ipaddress
import ssl

from cryptography import x509

from app.tls import make_self_signed


def test_certificate_covers_localhost_and_the_lan_address(tmp_path):
    cert_path, key_path = make_self_signed(tmp_path, ["192.168.1.20", "shop.local"])
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)  # uvicorn does the same with SSL_CERTFILE / SSL_KEYFILE
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert ipaddress.ip_address("192.168.1.20") in names.get_values_for_type(x509.IPAddress)
    assert {"localhost", "shop.local"} <= set(names.get_values_for_type(x509.DNSName))
    assert oct(key_path.stat().st_mode & 0o777) == "0o600"
