"""The harness itself: what it records, what it resolves, and that it cannot pass by accident."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pulumi
import pulumi_aws as aws
import pulumi_tls as tls
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from plan.mocks import MissingCallMock
from plan.runtime import CallbackNeverRan, MockRuntime, UnknownOutput

ROOT = Path(__file__).resolve().parent.parent


class Parent(pulumi.ComponentResource):
    def __init__(self, name, opts=None):
        super().__init__("crossnet:test:Parent", name, None, opts)
        self.provider = aws.Provider(
            f"{name}-eu", region="eu-west-1", opts=pulumi.ResourceOptions(parent=self)
        )
        self.vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block="10.1.0.0/16",
            opts=pulumi.ResourceOptions(parent=self, provider=self.provider),
        )
        self.sg = aws.ec2.SecurityGroup(
            f"{name}-sg",
            vpc_id=self.vpc.id,
            description=pulumi.Output.secret("hidden"),
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["description"]),
        )
        self.register_outputs({"vpc_id": self.vpc.id})


def test_records_type_name_parent_provider_inputs_and_dependencies(runtime):
    comp = runtime.run(lambda: Parent("p"))
    vpc = runtime.one("aws:ec2/vpc:Vpc", "p-vpc")
    component = runtime.one("crossnet:test:Parent")
    provider = runtime.one("pulumi:providers:aws")
    assert vpc.parent == component.urn
    assert vpc.provider_urn == provider.urn
    assert vpc.inputs["cidrBlock"] == "10.1.0.0/16"
    assert vpc.urn.endswith("crossnet:test:Parent$aws:ec2/vpc:Vpc::p-vpc")
    sg = runtime.one("aws:ec2/securityGroup:SecurityGroup")
    assert vpc.urn in sg.property_dependencies["vpcId"]
    assert sg.secret_inputs == {"description"} and sg.inputs["description"] == "hidden"
    assert sg.ignore_changes == ["description"]
    # providers flow down from the parent: the SG did not name one but got the component's
    assert runtime.value(comp.vpc.id).startswith("vpc-")
    assert runtime.value(comp.vpc.arn).startswith("arn:aws:ec2:eu-west-1:")
    assert component.component_outputs == {"vpc_id": runtime.value(comp.vpc.id)}


def test_value_fails_on_unknown_outputs_in_preview(runtime_factory):
    rt = runtime_factory(preview=True)
    vpc = rt.run(lambda: aws.ec2.Vpc("v", cidr_block="10.0.0.0/16"))
    with pytest.raises(UnknownOutput):
        rt.value(vpc.arn.apply(lambda a: a.upper()))


def test_an_expectation_whose_callback_never_ran_fails():
    with MockRuntime(preview=True) as rt:
        vpc = rt.run(lambda: aws.ec2.Vpc("v", cidr_block="10.0.0.0/16"))
        # unknown in preview: a plain .apply would be skipped silently
        rt.expect(vpc.arn, lambda arn: None, label="arn-check")
        with pytest.raises(CallbackNeverRan, match="arn-check"):
            rt.verify()


def test_the_fixture_fails_a_test_whose_callback_never_ran(tmp_path):
    test_file = tmp_path / "test_inner.py"
    test_file.write_text(
        textwrap.dedent("""
        import pulumi_aws as aws
        from tests.conftest import runtime, runtime_factory  # noqa: F401

        def test_silently_skipped(runtime_factory):
            rt = runtime_factory(preview=True)
            vpc = rt.run(lambda: aws.ec2.Vpc("v", cidr_block="10.0.0.0/16"))
            rt.expect(vpc.arn, lambda arn: None, label="never")

        def test_ran(runtime):
            vpc = runtime.run(lambda: aws.ec2.Vpc("v", cidr_block="10.0.0.0/16"))
            runtime.expect(vpc.arn, lambda arn: None, label="ran")
    """)
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(test_file),
            "-q",
            "-p",
            "no:cacheprovider",
            "-W",
            "ignore::DeprecationWarning",
            "--rootdir",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"},
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    # the inner test body passed; its teardown failed it, so the run fails
    assert "1 error" in out and "ERROR" in out and "test_silently_skipped" in out, out
    assert "callbacks never ran: never" in out, out


def test_additional_secret_outputs_come_back_secret(runtime):
    key = runtime.run(lambda: tls.PrivateKey("k", algorithm="ECDSA", ecdsa_curve="P256"))
    assert runtime.is_secret(key.private_key_pem)
    assert not runtime.is_secret(key.public_key_pem)
    assert runtime.value(key.private_key_pem).startswith("-----BEGIN EC PRIVATE KEY-----")


def test_tls_mocks_issue_a_real_verifiable_chain(runtime):
    def program():
        ca_key = tls.PrivateKey("ca", algorithm="ECDSA", ecdsa_curve="P256")
        ca = tls.SelfSignedCert(
            "ca",
            private_key_pem=ca_key.private_key_pem,
            is_ca_certificate=True,
            subject={"common_name": "crossnet CA"},
            validity_period_hours=87600,
            allowed_uses=["cert_signing", "crl_signing"],
        )
        leaf_key = tls.PrivateKey("leaf", algorithm="ECDSA", ecdsa_curve="P256")
        csr = tls.CertRequest(
            "leaf",
            private_key_pem=leaf_key.private_key_pem,
            subject={"common_name": "server"},
            dns_names=["vpn.example.com"],
        )
        leaf = tls.LocallySignedCert(
            "leaf",
            cert_request_pem=csr.cert_request_pem,
            ca_private_key_pem=ca_key.private_key_pem,
            ca_cert_pem=ca.cert_pem,
            validity_period_hours=8760,
            allowed_uses=["digital_signature", "server_auth"],
        )
        return ca, leaf

    ca, leaf = runtime.run(program)
    ca_cert = x509.load_pem_x509_certificate(runtime.value(ca.cert_pem).encode())
    leaf_cert = x509.load_pem_x509_certificate(runtime.value(leaf.cert_pem).encode())
    assert leaf_cert.issuer == ca_cert.subject
    ca_public = ca_cert.public_key()
    assert isinstance(ca_public, ec.EllipticCurvePublicKey)
    leaf_cert.verify_directly_issued_by(ca_cert)
    eku = leaf_cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert x509.oid.ExtendedKeyUsageOID.SERVER_AUTH in eku
    san = leaf_cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["vpn.example.com"]


def test_tls_mock_material_is_deterministic_across_runs():
    pems = []
    for _ in range(2):
        with MockRuntime() as rt:
            key = rt.run(lambda: tls.PrivateKey("same", algorithm="ECDSA", ecdsa_curve="P256"))
            pems.append(rt.value(key.public_key_pem))
    assert pems[0] == pems[1]


def test_availability_zone_lookup_answers_camel_case_per_provider_region(runtime):
    def program():
        provider = aws.Provider("usw2", region="us-west-2")
        return aws.get_availability_zones_output(opts=pulumi.InvokeOutputOptions(provider=provider))

    zones = runtime.run(program)
    ids = runtime.value(zones.zone_ids)
    names = runtime.value(zones.names)
    assert sorted(ids) == ["usw2-az1", "usw2-az2", "usw2-az3", "usw2-az4"]
    assert all(n.startswith("us-west-2") for n in names)
    assert ids != sorted(ids), "the mock must not map names to ids in order"


def test_an_invoke_without_an_answer_fails_loudly():
    with MockRuntime() as rt, pytest.raises(Exception) as info:
        account = rt.run(lambda: aws.get_billing_service_account_output())
        rt.value(account.arn)
    chain: list[BaseException] = []
    exc: BaseException | None = info.value
    while exc is not None and not any(exc is seen for seen in chain):  # Pulumi re-raises exn from exn
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    assert any(isinstance(e, MissingCallMock) for e in chain) or "no mock answer" in str(info.value)
