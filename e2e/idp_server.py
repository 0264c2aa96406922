#!/usr/bin/env python3
"""A browser-facing test identity provider for the e2e tests: an HTTP
wrapper around crates/lanyard/tests/idp/idp.py (pysaml2 + xmlsec1).

    idp_server.py --port P --dir DIR

GET  /metadata   the IdP metadata (SSO URL http://127.0.0.1:P/sso)
GET  /sso        the sign-in form for an AuthnRequest (HTTP-Redirect binding)
POST /sso        signs a response for the email typed and posts it to the
                 SP's ACS (HTTP-POST binding) from an auto-submitting form
"""
import argparse
import base64
import html
import os
import re
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

IDP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "crates", "lanyard", "tests", "idp", "idp.py")


def idp(args, *rest):
    base = f"http://127.0.0.1:{args.port}"
    cmd = [sys.executable, IDP, "--dir", args.dir, "--entity-id", f"{base}/metadata", "--sso-url", f"{base}/sso", *rest]
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def page(title, body):
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{html.escape(title)}</title></head>"
            f"<body><main><h1>{html.escape(title)}</h1>{body}</main></body></html>").encode()


class Handler(BaseHTTPRequestHandler):
    def send(self, status, body, content_type="text/html; charset=utf-8"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/metadata":
            return self.send(200, idp(self.server.args, "metadata").encode(), "application/samlmetadata+xml")
        if url.path == "/sso" and "SAMLRequest" in query:
            hidden = "".join(f'<input type="hidden" name="{k}" value="{html.escape(v)}">'
                             for k, v in query.items() if k in REDIRECT_FIELDS)
            form = (f'<form method="post" action="/sso">{hidden}<label>Email <input type="email" name="email" required></label>'
                    '<button type="submit">Sign in at the IdP</button></form>')
            return self.send(200, page("Test IdP sign-in", form))
        self.send(404, page("Not found", ""))

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        fields = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
        request = fields.get("SAMLRequest", "")
        xml = zlib.decompress(base64.b64decode(request), -15).decode()
        issuer = re.search(r"<(?:\w+:)?Issuer[^>]*>([^<]+)<", xml).group(1)
        with tempfile.NamedTemporaryFile("w", suffix=".xml", delete=False) as f:
            f.write(urllib.request.urlopen(issuer, timeout=10).read().decode())
            sp_metadata = f.name
        try:
            # The signed redirect as Lanyard sent it: the IdP requires and checks its signature.
            redirect = urllib.parse.urlencode([(k, fields[k]) for k in REDIRECT_FIELDS if k in fields])
            response = idp(self.server.args, "response", "--sp-metadata", sp_metadata,
                           "--email", fields.get("email", ""), "--redirect-query", redirect)
        finally:
            os.unlink(sp_metadata)
        acs = re.search(r'AssertionConsumerServiceURL="([^"]+)"', xml).group(1)
        relay = fields.get("RelayState")
        relay_input = f'<input type="hidden" name="RelayState" value="{html.escape(relay)}">' if relay else ""
        form = (f'<form method="post" action="{html.escape(acs)}"><input type="hidden" name="SAMLResponse" value="{response}">'
                f'{relay_input}<button type="submit">Continue</button></form><script>document.forms[0].submit()</script>')
        self.send(200, page("Signing you in", form))


# The HTTP-Redirect binding's query parameters, in signing order.
REDIRECT_FIELDS = ("SAMLRequest", "RelayState", "SigAlg", "Signature")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--dir", required=True)
    args = p.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.args = args
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
