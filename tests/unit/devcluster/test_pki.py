"""The dev-cluster's certificates chain to its CA and carry the identities RBAC expects."""

from __future__ import annotations

import ipaddress
import stat
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from trueup.devcluster.pki import create_pki


def load(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def test_the_admin_identity_is_in_system_masters_and_signed_by_the_ca(tmp_path: Path) -> None:
    pki = create_pki(tmp_path)
    ca, admin = load(pki.ca_cert), load(pki.admin_cert)
    admin.verify_directly_issued_by(ca)
    organizations = admin.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    assert [o.value for o in organizations] == ["system:masters"]
    usage = admin.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.CLIENT_AUTH in usage


def test_the_serving_certificate_names_loopback_and_the_in_cluster_service(tmp_path: Path) -> None:
    pki = create_pki(tmp_path)
    server = load(pki.server_cert)
    server.verify_directly_issued_by(load(pki.ca_cert))
    san = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert ipaddress.ip_address("127.0.0.1") in san.get_values_for_type(x509.IPAddress)
    assert "kubernetes.default.svc" in san.get_values_for_type(x509.DNSName)


def test_private_keys_are_readable_by_the_owner_only(tmp_path: Path) -> None:
    pki = create_pki(tmp_path)
    for key in (pki.ca_key, pki.server_key, pki.admin_key, pki.service_account_key):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600, key
