"""Tell people that a run failed: a JSON webhook and/or an e-mail, configured by environment.

Plain Python (stdlib only, no Dagster): the run-failure sensor (``orchestration/defs/alerts.py``)
calls :func:`send_alert`, and so can anything else — ``python -m orchestration.alerts`` sends a
test alert to check the configuration.

Configuration (every channel is optional; nothing configured = nothing sent):

- ``NPCS_ALERT_WEBHOOK_URL``: POST the alert as JSON (``text`` is a one-line summary, which chat
  tools' incoming webhooks display; the other fields are for machines).
- ``NPCS_ALERT_SMTP_HOST``, ``NPCS_ALERT_SMTP_PORT`` (default 25), ``NPCS_ALERT_SMTP_FROM``,
  ``NPCS_ALERT_SMTP_TO`` (comma-separated): a plain-text e-mail, no TLS and no login (a relay on
  the local network).
- ``NPCS_DAGSTER_URL``: the Dagster UI's address, to link the run.
- ``NPCS_ALERT_TIMEOUT_SECONDS`` (default 10): per delivery, so an unreachable receiver costs the
  sensor at most that long.

A channel that cannot be reached does not stop the others: :func:`send_alert` reports every
delivery's outcome and never raises.
"""

from __future__ import annotations

import json
import os
import smtplib
import urllib.request
from dataclasses import asdict, dataclass, field
from email.message import EmailMessage


@dataclass
class RunFailure:
    """What the alert says about one failed run."""

    job: str
    run_id: str
    error: str  # the run's failure message, with each failed step's error
    failed_steps: list[str] = field(default_factory=list)
    run_url: str | None = None
    tags: dict[str, str] = field(default_factory=dict)  # e.g. npcs/trigger, partition range

    @property
    def subject(self) -> str:
        steps = f" ({', '.join(self.failed_steps)})" if self.failed_steps else ""
        return f"[NPCS] run of {self.job} failed{steps}: {self.run_id}"

    def text(self) -> str:
        lines = [
            f"Job: {self.job}",
            f"Run: {self.run_id}",
            f"Failed steps: {', '.join(self.failed_steps) or 'none recorded'}",
        ]
        if self.run_url:
            lines.append(f"In the UI: {self.run_url}")
        lines += [f"{k}: {v}" for k, v in sorted(self.tags.items())]
        lines += ["", self.error]
        return "\n".join(lines)

    def payload(self) -> dict:
        return {"event": "run_failure", "text": self.subject, **asdict(self)}


@dataclass(frozen=True)
class AlertConfig:
    webhook_url: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str | None = None
    smtp_to: tuple[str, ...] = ()
    dagster_url: str | None = None
    timeout: float = 10.0

    @classmethod
    def from_env(cls) -> AlertConfig:
        env = os.environ
        return cls(
            webhook_url=env.get("NPCS_ALERT_WEBHOOK_URL") or None,
            smtp_host=env.get("NPCS_ALERT_SMTP_HOST") or None,
            smtp_port=int(env.get("NPCS_ALERT_SMTP_PORT") or 25),
            smtp_from=env.get("NPCS_ALERT_SMTP_FROM") or None,
            smtp_to=tuple(
                a.strip() for a in (env.get("NPCS_ALERT_SMTP_TO") or "").split(",") if a.strip()
            ),
            dagster_url=env.get("NPCS_DAGSTER_URL") or None,
            timeout=float(env.get("NPCS_ALERT_TIMEOUT_SECONDS") or 10),
        )

    @property
    def email_configured(self) -> bool:
        return bool(self.smtp_host and self.smtp_from and self.smtp_to)

    @property
    def configured(self) -> bool:
        return bool(self.webhook_url) or self.email_configured

    def run_url(self, run_id: str) -> str | None:
        return f"{self.dagster_url.rstrip('/')}/runs/{run_id}" if self.dagster_url else None


@dataclass
class Delivery:
    channel: str  # "webhook" or "email"
    target: str
    ok: bool
    error: str | None = None


def post_webhook(url: str, payload: dict, timeout: float) -> None:
    """POST ``payload`` as JSON; raises on a connection error or a non-2xx answer."""
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode("utf-8"),
        headers={"Content-Type": "application/json", "User-Agent": "npcs-alerts"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        if not 200 <= response.status < 300:
            raise OSError(f"webhook answered HTTP {response.status}")


def send_email(config: AlertConfig, subject: str, body: str) -> None:
    """Send a plain-text message through the configured SMTP relay; raises when it refuses."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = config.smtp_from
    message["To"] = ", ".join(config.smtp_to)
    message.set_content(body)
    with smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=config.timeout) as smtp:
        smtp.send_message(message)


def send_alert(failure: RunFailure, config: AlertConfig | None = None) -> list[Delivery]:
    """Send ``failure`` to every configured channel. Never raises: a channel that fails is
    reported in the returned list (``ok=False`` with the error) and the others are still tried."""
    config = config or AlertConfig.from_env()
    if failure.run_url is None:
        failure.run_url = config.run_url(failure.run_id)
    deliveries = []
    if config.webhook_url:
        try:
            post_webhook(config.webhook_url, failure.payload(), config.timeout)
            deliveries.append(Delivery("webhook", config.webhook_url, True))
        except Exception as e:  # noqa: BLE001 - reported to the caller, never raised
            deliveries.append(Delivery("webhook", config.webhook_url, False, _describe(e)))
    if config.email_configured:
        target = f"{','.join(config.smtp_to)} via {config.smtp_host}:{config.smtp_port}"
        try:
            send_email(config, failure.subject, failure.text())
            deliveries.append(Delivery("email", target, True))
        except Exception as e:  # noqa: BLE001
            deliveries.append(Delivery("email", target, False, _describe(e)))
    return deliveries


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def main() -> int:
    """Send a test alert to the configured channels; exit 1 unless every one accepted it."""
    config = AlertConfig.from_env()
    if not config.configured:
        print("no alert channel configured: set NPCS_ALERT_WEBHOOK_URL or NPCS_ALERT_SMTP_*")
        return 1
    test = RunFailure(
        job="(test)", run_id="test-alert", error="A test of the NPCS failure alert: ignore it."
    )
    deliveries = send_alert(test, config)
    for d in deliveries:
        print(f"{d.channel} {d.target}: {'sent' if d.ok else 'FAILED ' + str(d.error)}")
    return 0 if all(d.ok for d in deliveries) else 1


if __name__ == "__main__":
    raise SystemExit(main())
