// The alert inbox strip: one row per live call with open alerts, rendered from
// row data (see dashboard/inbox_model.py); text goes in as text, never HTML.
export default {
  template: `
    <div data-testid="alert-inbox" class="w-full flex flex-col flex-nowrap gap-1 overflow-y-auto"
         :style="{ maxHeight: maxHeight }">
      <div v-for="row in rows" :key="row.id" data-testid="inbox-row" :data-call-id="row.id" :data-level="row.level"
           :class="['w-full flex flex-row flex-nowrap items-center gap-2 px-2 py-1 border-l-8 rounded text-sm',
                    levelClasses[row.level] || '']">
        <span class="font-bold w-16 shrink-0">{{ row.level.toUpperCase() }}</span>
        <span class="w-16 shrink-0" data-testid="inbox-count">{{ row.count }}</span>
        <a :href="row.href" class="font-medium underline text-inherit w-32 truncate shrink-0">{{ row.agent }}</a>
        <span class="truncate">{{ row.reasons }}</span>
        <span class="italic truncate grow">{{ row.quote }}</span>
        <q-btn dense unelevated color="white" text-color="black" data-testid="ack-call" label="Acknowledge all"
               @click="$emit('acknowledge', { call_id: row.id })" />
      </div>
    </div>`,
  props: {
    levelClasses: Object,
    maxHeight: String,
  },
  data() {
    return { rows: [] };
  },
  methods: {
    show(rows) {
      this.rows = rows;
    },
  },
};
