"""Failure notification: a run that really fails, the real run-failure sensor evaluated on the
test instance, and real local receivers — an HTTP server for the webhook and an SMTP responder
for the e-mail, each on 127.0.0.1 on a free port, in a thread of the test."""

from __future__ import annotations

import email
import json
import shutil
import socket
import socketserver
import threading
import uuid
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import pytest

from orchestration.defs.partitions import sync_partitions

ALERT_ENV = (
    "NPCS_ALERT_WEBHOOK_URL",
    "NPCS_ALERT_SMTP_HOST",
    "NPCS_ALERT_SMTP_PORT",
    "NPCS_ALERT_SMTP_FROM",
    "NPCS_ALERT_SMTP_TO",
    "NPCS_DAGSTER_URL",
)


class _Webhook(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((self.path, self.headers["Content-Type"], json.loads(body)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


class _Smtp(socketserver.StreamRequestHandler):
    """Just enough SMTP to accept one message per connection (RFC 5321's happy path)."""

    def _reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self):
        self._reply("220 test receiver")
        envelope = {"to": []}
        while line := self.rfile.readline().decode():
            verb = line[:4].upper()
            if verb in ("EHLO", "HELO"):
                self._reply("250 test receiver")
            elif verb == "MAIL":
                envelope["from"] = line.split(":", 1)[1].strip()
                self._reply("250 OK")
            elif verb == "RCPT":
                envelope["to"].append(line.split(":", 1)[1].strip())
                self._reply("250 OK")
            elif verb == "DATA":
                self._reply("354 end with <CRLF>.<CRLF>")
                data = []
                while (part := self.rfile.readline().decode()) not in (".\r\n", ""):
                    data.append(part[1:] if part.startswith("..") else part)
                envelope["message"] = email.message_from_string(
                    "".join(data), policy=default_policy
                )
                self.server.received.append(envelope)
                envelope = {"to": []}
                self._reply("250 OK queued")
            elif verb == "QUIT":
                self._reply("221 bye")
                return
            else:
                self._reply("250 OK")  # RSET, NOOP


def _serve(server):
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


@pytest.fixture
def webhook():
    server = _serve(ThreadingHTTPServer(("127.0.0.1", 0), _Webhook))
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def smtp():
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    server = _serve(socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Smtp))
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def instance():
    with dg.instance_for_test() as inst:
        yield inst


@pytest.fixture
def failed_run(instance, tmp_path, monkeypatch, demo_landing):
    """A real ``ingest_jurisdiction`` run for CT that fails: the loader raises on CT's rows."""
    from ingestion import raw_loader
    from orchestration.definitions import defs
    from orchestration.defs.ingestion import raw_tables
    from orchestration.defs.jobs import INGEST_JOB

    for var in ALERT_ENV:
        monkeypatch.delenv(var, raising=False)
    shutil.copytree(demo_landing / "CT", tmp_path / "landing" / "CT")
    monkeypatch.setenv("NPCS_LANDING", str(tmp_path / "landing"))
    monkeypatch.setenv("NPCS_WAREHOUSE", str(tmp_path / "w" / "npcs.duckdb"))

    def broken(*args, **kwargs):
        raise RuntimeError("injected fault in the loader")

    monkeypatch.setattr(raw_loader, "find_violations", broken)
    sync_partitions(instance)
    # The sensor's first tick only sets its cursor: it reports failures from then on.
    cursor = _tick(instance, None)[0]
    result = defs.resolve_job_def(INGEST_JOB).execute_in_process(
        instance=instance,
        partition_key="CT",
        asset_selection=list(raw_tables.keys),
        raise_on_error=False,
        run_id=str(uuid.uuid4()),
    )
    assert not result.success
    return result.dagster_run, cursor


def _tick(instance, cursor):
    """One evaluation of the real sensor on the instance; returns (cursor, reaction errors)."""
    from orchestration.defs.notifications import run_failure_alert

    context = dg.build_sensor_context(instance=instance, cursor=cursor)
    data = run_failure_alert.evaluate_tick(context)
    errors = [r.error for r in data.dagster_run_reactions or [] if r.error is not None]
    return data.cursor, errors


def test_a_failed_run_is_posted_to_the_webhook_and_mailed(
    instance, failed_run, webhook, smtp, monkeypatch
):
    run, cursor = failed_run
    monkeypatch.setenv("NPCS_ALERT_WEBHOOK_URL", f"http://127.0.0.1:{webhook.server_port}/hook")
    monkeypatch.setenv("NPCS_ALERT_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("NPCS_ALERT_SMTP_PORT", str(smtp.server_address[1]))
    monkeypatch.setenv("NPCS_ALERT_SMTP_FROM", "npcs@example.org")
    monkeypatch.setenv("NPCS_ALERT_SMTP_TO", "oncall@example.org, data@example.org")
    monkeypatch.setenv("NPCS_DAGSTER_URL", "http://dagster.example.org:3000/")

    cursor, errors = _tick(instance, cursor)
    assert errors == []

    ((path, content_type, alert),) = webhook.received
    assert (path, content_type) == ("/hook", "application/json")
    assert alert["job"] == run.job_name == "ingest_jurisdiction"
    assert alert["run_id"] == run.run_id
    assert alert["failed_steps"] == ["raw_tables"]
    assert "injected fault in the loader" in alert["error"]
    assert alert["run_url"] == f"http://dagster.example.org:3000/runs/{run.run_id}"
    assert alert["tags"]["dagster/partition"] == "CT"
    assert run.run_id in alert["text"]

    (mail,) = smtp.received
    assert mail["from"] == "<npcs@example.org>"
    assert mail["to"] == ["<oncall@example.org>", "<data@example.org>"]
    message = mail["message"]
    assert run.run_id in message["Subject"] and "ingest_jurisdiction" in message["Subject"]
    body = message.get_content()
    assert "injected fault in the loader" in body and alert["run_url"] in body

    # The run is reported once: the next tick has nothing new.
    _tick(instance, cursor)
    assert len(webhook.received) == 1 and len(smtp.received) == 1


def test_without_configuration_the_sensor_does_nothing(instance, failed_run, webhook):
    _, cursor = failed_run
    new_cursor, errors = _tick(instance, cursor)
    assert errors == [] and new_cursor != cursor  # the failure was seen and passed over
    assert webhook.received == []


def test_an_unreachable_receiver_is_logged_and_never_fails_the_sensor(
    instance, failed_run, monkeypatch, capsys
):
    _, cursor = failed_run
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("NPCS_ALERT_WEBHOOK_URL", f"http://127.0.0.1:{port}/hook")
    monkeypatch.setenv("NPCS_ALERT_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("NPCS_ALERT_SMTP_PORT", str(port))
    monkeypatch.setenv("NPCS_ALERT_SMTP_FROM", "npcs@example.org")
    monkeypatch.setenv("NPCS_ALERT_SMTP_TO", "oncall@example.org")

    capsys.readouterr()
    new_cursor, errors = _tick(instance, cursor)
    assert errors == [] and new_cursor != cursor
    logged = [line for line in capsys.readouterr().err.splitlines() if " - ERROR - " in line]
    assert any("could not be sent by webhook" in m and "refused" in m.lower() for m in logged)
    assert any("could not be sent by email" in m for m in logged)


def test_a_webhook_that_answers_an_error_is_a_failed_delivery(webhook):
    from orchestration.alerts import AlertConfig, RunFailure, send_alert

    class _Refuse(_Webhook):
        def do_POST(self):  # noqa: N802
            self.send_response(500)
            self.end_headers()

    webhook.RequestHandlerClass = _Refuse
    url = f"http://127.0.0.1:{webhook.server_port}/"
    (delivery,) = send_alert(
        RunFailure(job="j", run_id="r", error="e"), AlertConfig(webhook_url=url)
    )
    assert not delivery.ok and "500" in delivery.error
