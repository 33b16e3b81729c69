// The team panel: the grouped counts the fenced write keeps in Redis, pushed by /counts/stream. Nothing is counted
// here: every event replaces the table with what Redis holds (filtered by tenant on the pod).
"use strict";
class TeamPanel {
  constructor(table, note) {
    this.table = table;
    this.note = note;
    this.source = null;
  }
  connect(tenant) {
    if (this.source) this.source.close();
    const query = tenant ? `?tenant=${encodeURIComponent(tenant)}` : "";
    const source = new EventSource(`/counts/stream${query}`);
    this.source = source;
    source.addEventListener("counts", (e) => this.render(JSON.parse(e.data)));
    source.onerror = () => { this.note.textContent = "counts: reconnecting…"; };
  }
  render(data) {
    const body = this.table.querySelector("tbody");
    const rows = [];
    for (const count of data.counts) {
      for (const group of count.groups) {
        const tr = document.createElement("tr");
        tr.dataset.count = count.name;
        tr.dataset.group = group.values.join("|");
        for (const text of [count.name, group.values.join(" · "), String(group.agents)]) {
          const td = document.createElement("td");
          td.textContent = text;
          tr.append(td);
        }
        rows.push(tr);
      }
    }
    body.replaceChildren(...rows);
    this.note.textContent = data.counts.length === 0 ? "no counts in this topology"
      : data.counts.map((c) => `${c.name}: by ${c.by.join(", ")}`).join("; ");
  }
}
