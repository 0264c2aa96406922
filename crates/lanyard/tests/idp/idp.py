#!/usr/bin/env python3
"""A test identity provider for Lanyard's SAML tests, built on pysaml2.

    idp.py --dir DIR [--key other] metadata
        prints the IdP metadata XML (creates the IdP's keys in DIR if missing);
        with --key other, with the certificate of a key it does not sign with
    idp.py --dir DIR response --sp-metadata FILE --email E
           [--redirect-query Q | --saml-request B64 | --acs URL] [--variant V]
           [--attr NAME=VALUE ...]
        prints a base64 SAMLResponse: SP-initiated when --redirect-query (the
        query string Lanyard redirected to: its signature is required and
        checked against the SP metadata's certificate) or --saml-request (the
        bare SAMLRequest, unsigned) is given, IdP-initiated otherwise.

Variants: both (default), assertion-only, response-only, unsigned, wrong-key,
sha1, audience, recipient, destination, issuer, expired, not-yet-valid,
unknown-request, tampered, wrapping, reference, comment, dtd.
"""
import argparse
import base64
import datetime
import os
import re
import subprocess
import sys
import warnings
from urllib.parse import parse_qsl

warnings.filterwarnings("ignore")

from saml2 import BINDING_HTTP_REDIRECT, class_name, samlp  # noqa: E402
from saml2.config import IdPConfig  # noqa: E402
from saml2.metadata import create_metadata_string  # noqa: E402
from saml2.saml import NAMEID_FORMAT_EMAILADDRESS, NAME_FORMAT_BASIC, NameID  # noqa: E402
from saml2.server import Server  # noqa: E402
from saml2.sigver import pre_signature_part, signed_instance_factory  # noqa: E402
from saml2.xmldsig import DIGEST_SHA1, DIGEST_SHA256, SIG_RSA_SHA1, SIG_RSA_SHA256  # noqa: E402
from saml2.saml import AUTHN_PASSWORD  # noqa: E402

EVIL = "https://evil.example"


def keypair(directory, name):
    key = os.path.join(directory, f"{name}-key.pem")
    cert = os.path.join(directory, f"{name}-cert.pem")
    if not os.path.exists(cert):
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650",
             "-subj", f"/CN=lanyard-test-{name}", "-keyout", key, "-out", cert],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return key, cert


def server(args, sp_metadata=None, key_name="idp", entity_id=None, want_signed_requests=False):
    key, cert = keypair(args.dir, key_name)
    config = {
        "entityid": entity_id or args.entity_id,
        "service": {"idp": {
            "want_authn_requests_signed": want_signed_requests,
            "endpoints": {"single_sign_on_service": [(args.sso_url, BINDING_HTTP_REDIRECT)]},
            "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
            "policy": {"default": {"lifetime": {"minutes": 5}, "name_form": NAME_FORMAT_BASIC}},
        }},
        "key_file": key,
        "cert_file": cert,
        "xmlsec_binary": "/usr/bin/xmlsec1",
        "metadata": {"local": [sp_metadata]} if sp_metadata else {},
    }
    conf = IdPConfig()
    conf.load(config)
    return Server(config=conf)


def instant(delta_minutes):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=delta_minutes)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def tweak(response, variant):
    assertion = response.assertion[0]
    data = assertion.subject.subject_confirmation[0].subject_confirmation_data
    if variant == "audience":
        assertion.conditions.audience_restriction[0].audience[0].text = f"{EVIL}/sp"
    elif variant == "recipient":
        data.recipient = f"{EVIL}/acs"
    elif variant == "destination":
        response.destination = f"{EVIL}/acs"
    elif variant == "issuer":
        assertion.issuer.text = f"{EVIL}/idp"
        response.issuer.text = f"{EVIL}/idp"
    elif variant == "expired":
        assertion.conditions.not_before = instant(-30)
        assertion.conditions.not_on_or_after = instant(-10)
        data.not_on_or_after = instant(-10)
    elif variant == "not-yet-valid":
        assertion.conditions.not_before = instant(10)
        assertion.conditions.not_on_or_after = instant(20)
    elif variant == "unknown-request":
        response.in_response_to = "_00000000000000000000000000000000"
        data.in_response_to = "_00000000000000000000000000000000"


def sign(response, sec, which, sign_alg=None, digest_alg=None):
    to_sign = []
    if which in ("both", "assertion"):
        assertion = response.assertion[0]
        assertion.signature = pre_signature_part(
            assertion.id, sec.my_cert, 1, sign_alg=sign_alg, digest_alg=digest_alg)
        to_sign.append((class_name(assertion), assertion.id))
    if which in ("both", "response"):
        response.signature = pre_signature_part(response.id, sec.my_cert, 1, sign_alg=sign_alg, digest_alg=digest_alg)
        to_sign.append((class_name(response), response.id))
    if not to_sign:
        return str(response)
    return signed_instance_factory(response, sec, to_sign)


def post_process(xml, variant):
    if variant == "tampered":
        return re.sub(r"(<[^>]*NameID[^>]*>)([^<@]*)@", r"\1mallory@", xml, count=1)
    if variant == "comment":
        def insert(m):
            text = m.group(2)
            last = text.rfind(".")
            cut = text.rfind(".", 0, last)
            return m.group(1) + text[:cut] + "<!---->" + text[cut:] + m.group(3)
        return re.sub(r"(<[^>]*NameID[^>]*>)([^<]*)(<)", insert, xml, count=1)
    if variant == "dtd":
        doctype = '<!DOCTYPE r [<!ENTITY x "x">]>'
        if xml.startswith("<?xml"):
            end = xml.index("?>") + 2
            return xml[:end] + doctype + xml[end:]
        return doctype + xml
    if variant == "wrapping":
        m = re.search(r"<(\w+:)?Assertion[ >].*?</(\w+:)?Assertion>", xml, re.S)
        original = m.group(0)
        evil = re.sub(r'ID="([^"]+)"', r'ID="_evil\1"', original, count=1)
        evil = re.sub(r"<(\w+:)?Signature[ >].*?</(\w+:)?Signature>", "", evil, flags=re.S)
        evil = re.sub(r"(<[^>]*NameID[^>]*>)[^<]*", r"\1mallory@example.com", evil, count=1)
        return xml.replace(original, evil + original, 1)
    if variant == "reference":
        # Move the assertion's signature up into the Response: its Reference
        # then points at another element than the one it sits in.
        m = re.search(r"<(\w+:)?Assertion[ >].*?</(\w+:)?Assertion>", xml, re.S)
        assertion = m.group(0)
        sig = re.search(r"<(\w+:)?Signature[ >].*?</(\w+:)?Signature>", assertion, re.S).group(0)
        without = xml.replace(sig, "", 1)
        issuer_end = re.search(r"</(\w+:)?Issuer>", without).end()
        return without[:issuer_end] + sig + without[issuer_end:]
    return xml


def cmd_metadata(args):
    idp = server(args, key_name=args.key)
    sys.stdout.write(create_metadata_string(None, idp.config, sign=False).decode())


def cmd_response(args):
    sp_entity = None
    in_response_to = None
    request = None
    acs = args.acs
    if args.redirect_query:
        query = dict(parse_qsl(args.redirect_query, keep_blank_values=True))
        idp = server(args, args.sp_metadata, want_signed_requests=True)
        try:
            request = idp.parse_authn_request(query["SAMLRequest"], BINDING_HTTP_REDIRECT,
                                              relay_state=query.get("RelayState"), sigalg=query.get("SigAlg"),
                                              signature=query.get("Signature")).message
        except Exception as e:  # pysaml2 raises IncorrectlySigned
            sys.exit(f"the AuthnRequest is refused: {e!r}")
    elif args.saml_request:
        idp = server(args, args.sp_metadata)
        request = idp.parse_authn_request(args.saml_request, BINDING_HTTP_REDIRECT).message
    if request is not None:
        in_response_to = request.id
        acs = request.assertion_consumer_service_url
        sp_entity = request.issuer.text
    variant = args.variant
    key_name = "other" if variant == "wrong-key" else "idp"
    idp = server(args, args.sp_metadata, key_name=key_name)
    if sp_entity is None:
        sp_entity = next(iter(idp.metadata.keys()))
    identity = {"email": [args.email]}
    for pair in args.attr:
        name, value = pair.split("=", 1)
        identity.setdefault(name, []).append(value)
    xml = idp.create_authn_response(
        identity, in_response_to, acs, sp_entity,
        name_id=NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=args.email),
        authn={"class_ref": AUTHN_PASSWORD, "authn_auth": args.entity_id},
        sign_response=False, sign_assertion=False)
    response = samlp.response_from_string(str(xml))
    tweak(response, variant)
    which = {"assertion-only": "assertion", "response-only": "response", "unsigned": "none",
             "wrapping": "assertion", "comment": "assertion"}.get(variant, "both")
    # pysaml2 defaults to SHA-1: ask for SHA-256 unless SHA-1 is the point.
    algs = {"sign_alg": SIG_RSA_SHA1, "digest_alg": DIGEST_SHA1} if variant == "sha1" else {"sign_alg": SIG_RSA_SHA256, "digest_alg": DIGEST_SHA256}
    signed = sign(response, idp.sec, which, **algs)
    signed = post_process(str(signed), variant)
    sys.stdout.write(base64.b64encode(signed.encode()).decode())


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--entity-id", default="https://idp.test/metadata")
    p.add_argument("--sso-url", default="https://idp.test/sso")
    p.add_argument("--key", default="idp", help="metadata: whose certificate to publish (idp, other)")
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("metadata")
    r = sub.add_parser("response")
    r.add_argument("--sp-metadata", required=True)
    r.add_argument("--email", required=True)
    r.add_argument("--redirect-query")
    r.add_argument("--saml-request")
    r.add_argument("--acs")
    r.add_argument("--variant", default="both")
    r.add_argument("--attr", action="append", default=[])
    args = p.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    {"metadata": cmd_metadata, "response": cmd_response}[args.cmd](args)


if __name__ == "__main__":
    main()
