// The wallboard's grid of call tiles: one component fed with row data (see
// dashboard/wallboard_model.py), so 200 calls are one element on the server.
// Rows arrive as diffs, the page's order and filter as a list of ids, both in
// one "tick" message ("apply" alone starts the page). All text goes in as text
// (mustache / attribute bindings), never HTML.
const CHIP = "px-1 rounded text-xs font-mono whitespace-nowrap shrink-0";
const EDGE = {
  warning: "border-l-4 border-amber-400",
  urgent: "border-l-4 border-orange-600",
  critical: "border-l-4 border-red-700",
};

function clock(started) {
  const s = Math.max(0, Math.floor(Date.now() / 1000 - started));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  return (h ? h + ":" + String(m).padStart(2, "0") : m) + ":" + String(sec).padStart(2, "0");
}

export default {
  template: `
    <div data-testid="call-grid">
      <div v-for="row in shown" :key="row.id" data-testid="call-tile" :data-call-id="row.id"
           :data-level="row.level || ''"
           :class="['q-card callmon-tile p-2 flex flex-col flex-nowrap overflow-hidden', edge(row)]">
        <div class="callmon-tile-head w-full flex flex-row flex-wrap items-center gap-1">
          <a :href="row.href" class="font-bold truncate grow text-sm min-w-[3.5rem] text-inherit no-underline">{{ row.agent }}</a>
          <span data-testid="alert-badge" :class="[chip, row.level ? row.badge_class : 'hidden']">{{ row.badge }}</span>
          <span class="text-xs font-mono" data-testid="age" :data-started="row.started">{{ clock(row.started) }}</span>
          <span data-testid="caller-mood" :class="[chip, row.caller_class]">{{ row.caller }}</span>
          <span data-testid="agent-mood" :class="['callmon-tile-extra', chip, row.agent_class]">{{ row.agent_mood }}</span>
        </div>
        <div class="callmon-tile-extra text-xs text-gray-600 truncate">{{ row.details }}</div>
        <div class="w-full flex flex-row flex-nowrap items-start gap-1">
          <span data-testid="lag" class="text-xs text-red-700 font-semibold whitespace-nowrap">{{ row.lag }}</span>
          <span data-testid="last-line" class="callmon-last-line text-sm" :title="row.original || undefined">{{ row.line }}</span>
        </div>
      </div>
    </div>`,
  data() {
    return { rows: {}, order: [], chip: CHIP };
  },
  computed: {
    shown() {
      return this.order.map((id) => this.rows[id]).filter((row) => row !== undefined);
    },
  },
  methods: {
    apply(diff) {
      if (diff.reset) this.rows = {};
      for (const row of diff.rows) this.rows[row.id] = row;
      for (const id of diff.removed) delete this.rows[id];
    },
    tick(diff, order) {
      if (diff) this.apply(diff);
      if (order) this.order = order;
    },
    edge(row) {
      return EDGE[row.level] || "";
    },
    clock,
  },
};
