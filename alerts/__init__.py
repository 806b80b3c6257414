"""callmon alerts: rules over analysed segments, stored alerts, notifications.

Data flow: `TranscriptSegment` -> `AlertEngine` (pure rules, cooldowns,
merging) -> `AlertStore` (SQLite) -> bus -> `NotificationDispatcher`
(Slack, SMTP, Resend in background tasks). With Redis, the bus also appends
alerts to ``alerts:stream``, which `callmon alerts` dispatchers read in one
consumer group per channel (`alerts.stream`, `alerts.channel_consumer`).
`AlertService` is the facade the ingest pipeline calls; `app.cli.alerts` is
`callmon alerts`.
"""

from alerts.config import AlertSettings, ConfigError, load_alert_settings
from alerts.consumer import run_alert_dispatcher
from alerts.engine import AlertEngine, Verdict
from alerts.service import AlertService
from alerts.store import AlertStore

__all__ = [
    "AlertEngine",
    "AlertService",
    "AlertSettings",
    "AlertStore",
    "ConfigError",
    "Verdict",
    "load_alert_settings",
    "run_alert_dispatcher",
]
