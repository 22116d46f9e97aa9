"""Security: a clear User-Agent from the configuration, robots.txt obeyed (see
test_crawl), secrets never in any output, log or the database, no reading of
local files through a source or a feed, no escape from a replay folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from crawler.middlewares import read_archive
from tests.localhttp import Quiet, serving

pytestmark = pytest.mark.slow
MODELS = (Path(__file__).parent / "fixtures/openrouter/2024-05-15_models.json").read_bytes()
SECRET_TOKEN, SECRET_PASSWORD = "t0ken-SECRET-9f3", "pw-SECRET-77a"


class Site(Quiet):
    agents: list[str] = []
    internal_hits = 0
    hook_status = 500

    def do_GET(self) -> None:
        Site.agents.append(self.headers.get("User-Agent", ""))
        if self.path == "/internal-secret":
            Site.internal_hits += 1
            return self._send(200, b"INTERNAL-SECRET-BODY")
        if self.path == "/to-internal":  # a public page that redirects inward
            inward = f"http://127.0.0.1:{self.server.server_address[1]}/internal-secret"
            return self.reply(302, b"", Location=inward)
        if self.path == "/feed.xml":
            body = (
                b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item>'
                b"<title>Moonshot AI raises $1 billion led by Alibaba</title><link>file:///etc/passwd</link>"
                b"<description>Alibaba leads a $1B round in Moonshot AI.</description></item></channel></rss>"
            )
            return self._send(200, body)
        return self._send(200, MODELS) if self.path == "/models" else self._send(404, b"")

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self._send(Site.hook_status, b"")

    def _send(self, status: int, body: bytes) -> None:
        self.reply(status, body)


@pytest.fixture
def site():
    Site.agents.clear()
    with serving(Site) as url:
        yield url


def llmwatch(tmp_path: Path, env_extra: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LLMWATCH_DATA_DIR": str(tmp_path / "data"), "LLMWATCH_CRAWL_DOWNLOAD_DELAY": "0", **env_extra}
    return subprocess.run(
        [sys.executable, "-m", "llmwatch", "--config", str(tmp_path / "llmwatch.toml"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_secrets_never_reach_output_logs_or_the_database(tmp_path: Path, site: str, pg_url: str) -> None:
    port = site.rsplit(":", 1)[1]
    (tmp_path / "llmwatch.toml").write_text(
        '[crawl]\nuser_agent = "llmwatch-test/1.0 (+https://example.org/contact)"\n'
        "[alerts]\nretry_backoff_seconds = 0\n"
        f'channels = ["json://bot:${{HOOK_PASSWORD}}@127.0.0.1:{port}/hook?token=${{HOOK_TOKEN}}"]\n'
    )
    # PostgreSQL here trusts local connections, so a password in the URL is accepted and must stay hidden
    db_url = pg_url.replace("postgres@", f"postgres:{SECRET_PASSWORD}@")
    env = {"LLMWATCH_DATABASE_URL": db_url, "HOOK_PASSWORD": SECRET_PASSWORD, "HOOK_TOKEN": SECRET_TOKEN}
    outputs = [
        llmwatch(tmp_path, env, "crawl", "openrouter", "--url", f"openrouter={site}/models"),
        llmwatch(tmp_path, env, "crawl", "openrouter", "--url", f"openrouter={site}/models?v=2"),
        llmwatch(tmp_path, env, "alerts", "send"),  # the hook fails: the error names the channel, redacted
        llmwatch(tmp_path, env, "alerts", "--format", "json"),
        llmwatch(tmp_path, env, "sources", "--format", "json"),
        llmwatch(tmp_path, env, "db", "upgrade"),
        llmwatch(tmp_path, env, "alerts", "test", f"json://x:{SECRET_PASSWORD}@127.0.0.1:9/?token={SECRET_TOKEN}"),
    ]
    seen = "\n".join(p.stdout + p.stderr for p in outputs)
    assert "Traceback" not in seen
    assert all(agent == "llmwatch-test/1.0 (+https://example.org/contact)" for agent in Site.agents)
    engine = create_engine(pg_url)
    try:
        with engine.connect() as conn:
            dump = "\n".join(
                str(row)
                for table in ("alerts", "events", "snapshots", "crawl_runs", "rejects", "sources")
                for row in conn.execute(text(f"SELECT * FROM {table}"))
            )
    finally:
        engine.dispose()
    assert "127.0.0.1" in seen and dump  # there was something to leak...
    for secret in (SECRET_TOKEN, SECRET_PASSWORD):
        assert secret not in seen and secret not in dump  # ...and nothing did


def test_no_local_file_is_read_through_a_source_or_a_feed(tmp_path: Path, site: str) -> None:
    (tmp_path / "llmwatch.toml").write_text("")
    direct = llmwatch(tmp_path, {}, "crawl", "openrouter", "--url", "openrouter=file:///etc/passwd")
    assert direct.returncode == 2 and "only http(s) URLs are crawled" in direct.stderr
    via_feed = llmwatch(tmp_path, {}, "crawl", "news", "--url", f"news={site}/feed.xml")
    assert via_feed.returncode == 0, via_feed.stderr
    rounds = json.loads(llmwatch(tmp_path, {}, "funding", "--format", "json").stdout.splitlines()[0])
    assert rounds["company"] == "moonshot"  # from the feed's own text: the file:// link was not fetched
    archived = "".join(str(read_archive(w)) for w in (tmp_path / "data" / "warc").glob("*.warc.gz"))
    assert "root:" not in archived and "/etc/passwd" not in archived.replace("file:///etc/passwd", "")


def test_a_replay_folder_is_not_left_through_a_link(tmp_path: Path) -> None:
    outside = tmp_path / "outside.warc.gz"
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with outside.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        record = writer.create_warc_record(
            "https://example.com/secret",
            "response",
            payload=BytesIO(b"x"),
            http_headers=StatusAndHeaders("200 OK", [], protocol="HTTP/1.1"),
        )
        writer.write_record(record)
        record.raw_stream.close()
    folder = tmp_path / "replay"
    folder.mkdir()
    (folder / "run-00001.warc.gz").symlink_to(outside)
    assert read_archive(folder) == {}
    assert list(read_archive(outside)) == ["https://example.com/secret"]  # named directly, it is read


def test_polite_defaults_reach_scrapy(tmp_path: Path) -> None:
    from crawler.run import scrapy_settings
    from llmwatch.config import load

    s = scrapy_settings(load(None, {"LLMWATCH_DATA_DIR": str(tmp_path)}))
    assert s.getbool("ROBOTSTXT_OBEY") and s.getbool("AUTOTHROTTLE_ENABLED")
    assert (s.getint("CONCURRENT_REQUESTS_PER_DOMAIN"), s.getfloat("DOWNLOAD_DELAY")) == (2, 1.0)
    assert s.getint("DOWNLOAD_MAXSIZE") == 20 * 1024 * 1024 and 429 in s.getlist("RETRY_HTTP_CODES")
    assert s["USER_AGENT"].startswith("llmwatch/") and "+http" in s["USER_AGENT"]
    assert s.getdict("DOWNLOAD_HANDLERS")["file"] is None
    custom = scrapy_settings(
        load(
            None,
            {
                "LLMWATCH_DATA_DIR": str(tmp_path),
                "LLMWATCH_CRAWL_OBEY_ROBOTS": "false",
                "LLMWATCH_CRAWL_CONCURRENCY_PER_DOMAIN": "1",
            },
        )
    )
    assert not custom.getbool("ROBOTSTXT_OBEY") and custom.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 1


def test_internal_addresses_are_not_fetched_unless_allowed(tmp_path: Path, site: str) -> None:
    from ipaddress import ip_address

    from crawler.addresses import Allowed, internal

    for address in ("127.0.0.1", "10.1.2.3", "192.168.0.1", "169.254.169.254", "::1", "::ffff:127.0.0.1", "0.0.0.0"):
        assert internal(ip_address(address)), address
    assert not internal(ip_address("8.8.8.8")) and not internal(ip_address("2606:4700::1111"))
    assert Allowed(["10.0.0.0/8", "mirror.lan"])("x", ip_address("10.9.9.9")) and Allowed(["mirror.lan"])("MIRROR.lan")

    (tmp_path / "llmwatch.toml").write_text("")
    Site.internal_hits = 0
    refused = {"LLMWATCH_CRAWL_ALLOW_HOSTS": ""}  # the defaults: nothing internal
    direct = llmwatch(tmp_path, refused, "crawl", "openrouter", "--url", f"openrouter={site}/internal-secret")
    assert direct.returncode == 1
    assert "refused: 127.0.0.1 is an internal address (127.0.0.1); [crawl] allow_hosts admits it" in direct.stderr
    # a redirect inward is refused too: the allowlist here admits the first host name only
    port = site.rsplit(":", 1)[1]
    redirect = llmwatch(
        tmp_path,
        {"LLMWATCH_CRAWL_ALLOW_HOSTS": "localhost"},
        "crawl",
        "openrouter",
        "--url",
        f"openrouter=http://localhost:{port}/to-internal",
    )
    assert redirect.returncode == 1 and "refused: 127.0.0.1 is an internal address" in redirect.stderr
    assert Site.internal_hits == 0
    archived = "".join(str(read_archive(w)) for w in (tmp_path / "data" / "warc").glob("*.warc.gz"))
    assert "INTERNAL-SECRET-BODY" not in archived
    # the failure is recorded under the URL asked for, with the reason
    listed = [json.loads(line) for line in llmwatch(tmp_path, {}, "sources", "--format", "json").stdout.splitlines()]
    (sources,) = [s for s in listed if s["source"] == "openrouter"]
    assert any("refused" in problem for problem in sources["problems"]), sources
    admitted = {"LLMWATCH_CRAWL_ALLOW_HOSTS": "127.0.0.1"}
    allowed = llmwatch(tmp_path, admitted, "crawl", "openrouter", "--url", f"openrouter={site}/internal-secret")
    assert Site.internal_hits == 1 and "refused" not in allowed.stderr  # a test server, admitted
