"""Colours and the little CSS/JS every page shares (presentation only)."""

from __future__ import annotations

from urllib.parse import quote

from alerts.levels import Level

# The spec's sentiment thresholds (bands on charts, colours on tiles) are the
# ones the worker scores with: imported, never restated here.
from ingest.analysis.thresholds import ALERT, CRITICAL, NEGATIVE, POSITIVE

LEVEL_CLASSES: dict[Level, str] = {
    "warning": "bg-amber-100 border-amber-500 text-amber-900",
    "urgent": "bg-orange-200 border-orange-600 text-orange-950",
    "critical": "bg-red-600 border-red-900 text-white",
}
SPEAKER_CLASSES = {"agent": "bg-blue-700", "caller": "bg-purple-700", "unknown": "bg-gray-600"}


def sentiment_classes(score: float | None) -> str:
    """Tailwind colours for a sentiment score, by the spec's thresholds."""
    if score is None:
        return "bg-gray-200 text-gray-700"
    if score >= POSITIVE:
        return "bg-green-600 text-white"
    if score <= CRITICAL:
        return "bg-red-800 text-white"
    if score <= ALERT:
        return "bg-red-500 text-white"
    if score <= NEGATIVE:
        return "bg-orange-400 text-black"
    return "bg-gray-200 text-gray-800"


def call_path(call_id: str) -> str:
    """The call view's path (alert notifications link to the same)."""
    return f"/calls/{quote(call_id, safe='')}"


def format_score(score: float | None) -> str:
    return "–" if score is None else f"{score:+.2f}"


def format_clock(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


SHARED_HEAD = """
<style>
  .callmon-last-line { display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden; }
  .callmon-tile { transition: box-shadow .3s; }
  /* Dense wallboard: 200 calls on a 1080p screen, one small tile each. */
  .callmon-dense .callmon-tile { padding: 1px 4px; font-size: 11px; line-height: 14px; }
  .callmon-dense .callmon-tile .text-sm, .callmon-dense .callmon-tile .text-xs { font-size: 11px; line-height: 14px; }
  .callmon-dense .callmon-tile-extra { display: none; }
  .callmon-dense .callmon-tile-head { flex-wrap: nowrap; }
  .callmon-dense .callmon-last-line { -webkit-line-clamp: 1; }
</style>
<script>
  // Durations tick in the browser: one timer per page instead of a server
  // update per call per second for every supervisor.
  function callmonTick() {
    const now = Date.now() / 1000;
    for (const el of document.querySelectorAll('[data-started]')) {
      const s = Math.max(0, Math.floor(now - parseFloat(el.dataset.started)));
      const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
      el.textContent = (h ? h + ':' + String(m).padStart(2, '0') : m) + ':' + String(sec).padStart(2, '0');
    }
  }
  setInterval(callmonTick, 1000);
  function callmonBeep(level) {
    try {
      const ctx = new (window.AudioContext || window.webkitAudioContext)();
      const osc = ctx.createOscillator(); const gain = ctx.createGain();
      osc.frequency.value = level === 'critical' ? 880 : 660; gain.gain.value = 0.1;
      osc.connect(gain); gain.connect(ctx.destination); osc.start(); osc.stop(ctx.currentTime + 0.25);
    } catch (e) { console.warn('no sound', e); }
  }
</script>
"""
