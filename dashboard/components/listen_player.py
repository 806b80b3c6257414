"""Listen button and player for a live call (supervisors and admins only).

Clicking "Listen" asks the server for a short-lived signed token (the role is
checked here and again by the worker), then the browser opens the worker's
`WS /listen/{call_id}` and plays the PCM frames with the Web Audio API: a
ScriptProcessorNode (it works on plain-http pages, where AudioWorklet does not)
pulls from one small queue per party, mixes them and resamples the 8 kHz audio
to the context's rate by linear interpolation. Nothing is recorded.

Where the browser connects: under `callmon run` the worker's routes are mounted
on the dashboard, so the page's own origin; a dashboard started alone
(`callmon dashboard`) connects to CALLMON_INGEST_URL, which must then be the
worker's address as supervisors' browsers reach it.

`window.callmonListen.stats` exposes what the player did (frames received and
decoded, samples played, first-frame time, last delay) for tests and benches.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from nicegui import ui

from dashboard.auth import SessionUser
from dashboard.services import DashboardServices
from ingest.pipeline.listen import PARTIES, Party
from ingest.pipeline.listen_token import LISTEN_ROLES, ListenTokenError, issue_listen_token

MAX_QUEUED_S = 0.6
"""Audio the player buffers per party before it drops the oldest: bounds the delay."""

PLAYER_JS = """
<script>
window.callmonListen = window.callmonListen || (function () {
  const stats = {state: 'idle', frames: 0, decodedSamples: 0, played: 0, dropped: 0,
                 firstFrameMs: null, openMs: null, helloMs: null, audioReadyMs: null, lastDelayMs: null, closeCode: null,
                 wireFormat: null};
  let socket = null, context = null, node = null, startedAt = 0;
  let queues = {};
  // G.711 mu-law to 16-bit samples: the worker sends mu-law when asked (half the bytes).
  const MULAW = new Int16Array(256).map(function (_, byte) {
    const u = ~byte & 0xFF, magnitude = ((((u & 0x0F) << 3) + 0x84) << ((u >> 4) & 7)) - 0x84;
    return u & 0x80 ? -magnitude : magnitude;
  });
  function show(text, listening) {
    const label = document.getElementById('callmon-listen-state');
    if (label) { label.textContent = text; label.dataset.state = stats.state; }
    document.querySelectorAll('[data-listen-when]').forEach(function (el) {
      el.style.display = (el.dataset.listenWhen === 'on') === listening ? '' : 'none';
    });
  }
  function resample(pcm, fromRate, toRate) {
    const length = Math.max(1, Math.round(pcm.length * toRate / fromRate));
    const out = new Float32Array(length);
    const step = fromRate / toRate;
    for (let i = 0; i < length; i++) {
      const x = i * step, j = Math.floor(x), t = x - j;
      const a = pcm[Math.min(j, pcm.length - 1)], b = pcm[Math.min(j + 1, pcm.length - 1)];
      out[i] = (a + (b - a) * t) / 32768;
    }
    return out;
  }
  function enqueue(party, samples) {
    const queue = queues[party] || (queues[party] = {chunks: [], offset: 0, length: 0});
    queue.chunks.push(samples); queue.length += samples.length;
    const limit = context.sampleRate * __MAX_QUEUED_S__;
    while (queue.length - queue.offset > limit && queue.chunks.length > 1) {
      const old = queue.chunks.shift();
      queue.length -= old.length; stats.dropped += old.length - queue.offset; queue.offset = 0;
    }
  }
  function pull(out) {
    out.fill(0);
    Object.values(queues).forEach(function (queue) {
      let i = 0;
      while (i < out.length && queue.chunks.length) {
        const chunk = queue.chunks[0];
        const n = Math.min(out.length - i, chunk.length - queue.offset);
        for (let k = 0; k < n; k++) { out[i + k] += chunk[queue.offset + k]; }
        i += n; queue.offset += n; stats.played += n;
        if (queue.offset >= chunk.length) { queue.chunks.shift(); queue.length -= chunk.length; queue.offset = 0; }
      }
    });
    for (let i = 0; i < out.length; i++) { out[i] = Math.max(-1, Math.min(1, out[i])); }
  }
  function release() {
    if (node) { node.disconnect(); node = null; }
    if (context) { context.close(); context = null; }
    queues = {};
  }
  function start(url) {
    stop();
    Object.assign(stats, {state: 'connecting', frames: 0, decodedSamples: 0, played: 0, dropped: 0,
                          firstFrameMs: null, openMs: null, helloMs: null, audioReadyMs: null, lastDelayMs: null, closeCode: null});
    startedAt = performance.now();
    context = new (window.AudioContext || window.webkitAudioContext)();
    context.resume();
    node = context.createScriptProcessor(1024, 1, 1);
    node.onaudioprocess = function (event) { pull(event.outputBuffer.getChannelData(0)); };
    node.connect(context.destination);
    stats.audioReadyMs = performance.now() - startedAt;
    show('Connecting…', true);
    socket = new WebSocket(url);
    socket.binaryType = 'arraybuffer';
    const mine = socket;
    socket.onopen = function () { stats.openMs = performance.now() - startedAt; };
    socket.onmessage = function (message) {
      if (mine !== socket) { return; }
      if (typeof message.data === 'string') { stats.helloMs = performance.now() - startedAt; stats.state = 'listening'; show('Listening live', true); return; }
      const view = new DataView(message.data);
      const party = view.getUint8(1), rate = view.getUint16(2, true), sentAt = view.getFloat64(4, true);
      stats.wireFormat = view.getUint8(0);
      const pcm = stats.wireFormat === 2 ? new Int16Array(new Uint8Array(message.data, 12)).map(function (u) { return MULAW[u]; })
                                        : new Int16Array(message.data, 12, (message.data.byteLength - 12) >> 1);
      const samples = resample(pcm, rate, context.sampleRate);
      enqueue(party, samples);
      stats.frames += 1; stats.decodedSamples += samples.length;
      stats.lastDelayMs = Date.now() - sentAt * 1000;
      if (stats.firstFrameMs === null) { stats.firstFrameMs = performance.now() - startedAt; }
    };
    socket.onclose = function (event) {
      if (mine !== socket) { return; }
      stats.state = 'stopped'; stats.closeCode = event.code; socket = null; release();
      show(event.code === 1000 ? 'The call ended' : event.code === 1008 ? 'Not allowed to listen'
           : event.code === 4404 ? 'The call is not live'
           : event.code === 1013 ? 'Too many listens now; try again shortly' : 'Listening stopped', false);
    };
  }
  function stop() {
    const open = socket; socket = null;
    if (open) { open.close(1000); }
    release();
    if (stats.state !== 'idle') { stats.state = 'stopped'; show('Listening stopped', false); }
  }
  return {start: start, stop: stop, stats: stats};
})();
</script>
""".replace("__MAX_QUEUED_S__", str(MAX_QUEUED_S))


def may_listen(user: SessionUser) -> bool:
    return user.role in LISTEN_ROLES


def listen_url_parts(services: DashboardServices, call_id: str) -> tuple[str | None, str]:
    """(worker base URL or None for the page's own origin, path of the listen socket)."""
    base = services.settings.ingest_url
    path = f"/listen/{quote(call_id, safe='')}"
    if base:
        base = base.rstrip("/").replace("https://", "wss://", 1).replace("http://", "ws://", 1)
    return base, path


def listen_script(services: DashboardServices, user: SessionUser, call_id: str, party: Party) -> str:
    """The JavaScript that starts the player with a fresh token; ListenTokenError
    when this user may not listen or the dashboard has no secret."""
    secret = services.settings.secret
    if not secret:
        raise ListenTokenError("listen-in needs CALLMON_DASHBOARD_SECRET")
    token = issue_listen_token(secret, call_id, user.name, user.role, party)
    base, path = listen_url_parts(services, call_id)
    origin = (
        json.dumps(base) if base else "(location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host"
    )
    # mu-law: 8 kB/s a party instead of 16, and speech loses nothing a supervisor hears.
    return f"window.callmonListen.start({origin} + {json.dumps(path + '?format=mulaw&token=' + token)})"


def listen_player(services: DashboardServices, user: SessionUser, call_id: str) -> None:
    """The listen controls for a live call; nothing at all for roles that may not listen."""
    if not may_listen(user):
        return
    ui.add_head_html(PLAYER_JS)
    party: dict[str, Party] = {"value": "both"}

    def start() -> None:
        try:
            ui.run_javascript(listen_script(services, user, call_id, party["value"]))
        except ListenTokenError as error:
            ui.notify(f"Cannot listen: {error}", type="warning")

    with ui.row().classes("items-center gap-2").props('data-testid="listen-player"'):
        with ui.row().classes("items-center gap-2").props('data-listen-when="off"'):
            ui.button("Listen", icon="headphones", on_click=start).props(
                'dense color=primary data-testid="listen-start"'
            ).mark("listen-start")
            ui.select(
                {name: name for name in PARTIES},
                value="both",
                on_change=lambda event: party.update(value=event.value),
            ).props('dense options-dense data-testid="listen-party"').classes("w-24")
        ui.button(
            "Stop", icon="stop", on_click=lambda: ui.run_javascript("window.callmonListen.stop()")
        ).props('dense color=negative data-testid="listen-stop" data-listen-when="on"').style("display: none")
        ui.html('<span id="callmon-listen-state" data-state="idle"></span>').classes(
            "text-sm font-semibold text-red-700"
        ).props('data-testid="listen-state"')
