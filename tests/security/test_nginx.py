"""The README's nginx block, run as written in front of a real `tribune serve` (X11): readers
are told apart by their own addresses, and cookies are Secure under the proxy's https.

The configuration is the README's code block with only its addresses, ports and certificate
paths replaced, so the documented setup cannot drift from the tested one. Without nginx the
tests are skipped with a warning (`make test` installs it as root), except under CI, where
they fail.
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import shutil
import socket
import ssl
import subprocess
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import trustme

from tests.browser.conftest import add_staff
from tests.conftest import IN_CI
from tests.helpers import PASSWORD, csrf_in
from tests.server import free_port, running_server
from tests.test_proxies import BOUND

README = Path(__file__).parents[2] / "README.md"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
ADMIN = "admin@example.org"


def readme_block() -> str:
    blocks = re.findall(r"^```nginx\n(.*?)^```", README.read_text(), re.MULTILINE | re.DOTALL)
    assert len(blocks) == 1, "the README should have exactly one nginx block"
    return str(blocks[0])


def replaced(text: str, pattern: str, replacement: str) -> str:
    """text with pattern replaced, failing when the README no longer has it."""
    new, count = re.subn(pattern, replacement, text)
    assert count, f"the README's nginx block has no {pattern!r}"
    return new


def nginx_conf(workdir: Path, upstreams: list[int], listen: int, cert: Path, key: Path) -> str:
    """The README's block inside a complete configuration of nginx's own files in workdir, for
    a master process in the foreground as the current user, in front of these ports."""
    block = readme_block()
    servers = " ".join(f"server 127.0.0.1:{port};" for port in upstreams)
    block = replaced(
        block, r"(upstream tribune \{ )(server [0-9.]+:[0-9]+; )+", rf"\g<1>{servers} "
    )
    block = replaced(block, r"listen 443 ", f"listen 127.0.0.1:{listen} ")
    block = replaced(block, r"ssl_certificate \S+;", f"ssl_certificate {cert};")
    block = replaced(block, r"ssl_certificate_key \S+;", f"ssl_certificate_key {key};")
    block = replaced(block, r"proxy_cache_path \S+ ", f"proxy_cache_path {workdir / 'cache'} ")
    return whole_conf(workdir, block)


def whole_conf(workdir: Path, http: str) -> str:
    """A complete configuration around ``http`` (what goes inside ``http {}``), of nginx's
    own files in workdir, for a master process in the foreground as the current user."""
    # Started as root, the workers would switch to "nobody", who cannot write in workdir.
    user = ""
    if os.geteuid() == 0:
        user = f"user {pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name};"
    temp = "\n".join(
        f"    {kind}_temp_path {workdir / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""{user}
daemon off;
worker_processes 1;
pid {workdir / "nginx.pid"};
error_log {workdir / "error.log"} warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
{temp}
{http}
}}
"""


@dataclass
class Site:
    base: str  # https, through nginx
    tls: ssl.SSLContext  # trusts the proxy's certificate
    database_url: str
    workdir: Path

    def client(self, address: str) -> httpx.Client:
        """A reader whose connections to the proxy come from address (any of 127.0.0.0/8)."""
        transport = httpx.HTTPTransport(verify=self.tls, local_address=address)
        return httpx.Client(base_url=self.base, transport=transport, timeout=10)


def require_nginx() -> None:
    if Path(NGINX).exists():
        return
    if IN_CI:
        pytest.fail("nginx is not installed; CI requires the proxy tests", pytrace=False)
    with warnings.catch_warnings():  # shown in the summary, not turned into an error
        warnings.simplefilter("always")
        warnings.warn(
            "\n\n!!! SKIPPING THE NGINX TESTS: run `make test` as root to install nginx !!!\n",
            stacklevel=1,
        )
    pytest.skip("nginx is not installed")


def wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 15
    while True:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        if process.poll() is not None or time.monotonic() > deadline:
            errors = log.read_text() if log.exists() else ""
            raise RuntimeError(f"nginx did not start:\n{errors}")
        time.sleep(0.05)


def certificate(workdir: Path) -> tuple[Path, Path, ssl.SSLContext]:
    """A certificate for 127.0.0.1 and its key, in workdir, and a client context trusting it."""
    ca = trustme.CA()
    issued = ca.issue_cert("127.0.0.1")
    cert, key = workdir / "cert.pem", workdir / "key.pem"
    cert.write_bytes(b"".join(blob.bytes() for blob in issued.cert_chain_pems))
    issued.private_key_pem.write_to_path(str(key))
    tls = ssl.create_default_context()
    ca.configure_trust(tls)
    return cert, key, tls


@contextmanager
def running_nginx(workdir: Path, conf: str, listen: int) -> Iterator[None]:
    """nginx in the foreground with this configuration until the block ends."""
    path, log = workdir / "nginx.conf", workdir / "error.log"
    path.write_text(conf)
    process = subprocess.Popen(
        [NGINX, "-p", str(workdir), "-c", str(path), "-e", str(log)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(listen, process, log)
        yield
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """nginx, configured by the README, in front of Tribune with the README's settings."""
    require_nginx()
    workdir = tmp_path_factory.mktemp("proxy")
    cert, key, tls = certificate(workdir)
    upstream, listen = free_port(), free_port()
    base = f"https://127.0.0.1:{listen}"
    database_url = f"sqlite:///{workdir / 'site.db'}"
    settings = {
        "TRIBUNE_TRUSTED_PROXIES": "127.0.0.1",
        "TRIBUNE_BASE_URL": base,
        "TRIBUNE_RATE_LIMITS": "on",
    }
    conf = nginx_conf(workdir, [upstream], listen, cert, key)
    with (
        running_server(database_url, workdir, port=upstream, env=settings),
        running_nginx(workdir, conf, listen),
    ):
        yield Site(base, tls, database_url, workdir)


def first_story(client: httpx.Client) -> dict[str, object]:
    return dict(client.get("/api/v1/stories").json()["stories"][0])


def set_cookie(response: httpx.Response, name: str) -> str:
    found = [v for k, v in response.headers.multi_items() if k == "set-cookie"]
    mine = [cookie for cookie in found if cookie.startswith(f"{name}=")]
    assert mine, f"no {name} cookie in {found}"
    return mine[0]


def test_cookies_are_secure_behind_the_proxy(site: Site) -> None:
    add_staff(site.database_url, site.workdir, ADMIN, "Admin", "admin")
    with site.client("127.0.0.5") as browser:
        page = browser.get(f"/stories/{first_story(browser)['slug']}")
        assert page.status_code == 200
        assert "set-cookie" not in page.headers  # the shared page sets none
        login = browser.get("/admin/login")
        assert "; secure" in set_cookie(login, "tribune_csrf").lower()
        signed = browser.post(
            "/admin/login",
            data={"email": ADMIN, "password": PASSWORD, "csrf_token": csrf_in(login.text)},
        )
        assert signed.status_code == 303, signed.text
        assert "; secure" in set_cookie(signed, "tribune_staff").lower()
        assert browser.get("/admin/moderation").status_code == 200  # the cookie works


def test_readers_behind_the_proxy_are_told_apart(site: Site) -> None:
    """One address's bound on comments a minute (its readers together): the proxy passes each
    reader's own address, and a reader cannot choose another by sending X-Forwarded-For
    itself."""
    with site.client("127.0.0.6") as busy, site.client("127.0.0.7") as other:
        path = f"/api/v1/stories/{first_story(busy)['id']}/comments"
        codes = [
            busy.post(
                path,
                json={"name": f"Busy {n}", "body": f"Comment number {n}"},
                headers={"X-Forwarded-For": f"203.0.113.{n}"},
            ).status_code
            for n in range(BOUND + 1)
        ]
        assert codes == [201] * BOUND + [429]
        assert other.post(path, json={"name": "Other", "body": "My turn"}).status_code == 201


def test_live_events_pass_through_the_proxy(site: Site) -> None:
    with site.client("127.0.0.8") as reader, site.client("127.0.0.9") as writer:
        story = first_story(reader)
        received: list[str] = []
        opened = threading.Event()

        def listen() -> None:
            with reader.stream("GET", f"/api/v1/stories/{story['id']}/events") as stream:
                for line in stream.iter_lines():
                    opened.set()
                    received.append(line)
                    if line.startswith("event: comment"):
                        return

        listener = threading.Thread(target=listen, daemon=True)
        listener.start()
        assert opened.wait(10), "the stream did not open through the proxy"
        posted = writer.post(
            f"/api/v1/stories/{story['id']}/comments", json={"name": "Live", "body": "Now"}
        )
        assert posted.status_code == 201
        listener.join(10)
        assert "event: comment" in received, received


def test_an_unknown_host_through_the_proxy_is_refused(site: Site) -> None:
    with site.client("127.0.0.10") as client:
        assert client.get("/", headers={"Host": "evil.example"}).status_code == 400
        assert client.get("/healthz", headers={"Host": "evil.example"}).status_code == 200
        assert client.get("/").status_code == 200
