// The live agent grid: a snapshot, then changes from /agents/stream (Server-Sent Events). The browser's EventSource
// reconnects by itself with the last event id, and the pod resumes from it without gaps or repeats; each change
// still carries its fence position, and an older one never replaces a newer one here either.
"use strict";
class AgentGrid {
  constructor(table, counts, total, feedState) {
    this.body = table.querySelector("tbody");
    this.counts = counts;
    this.total = total;
    this.feedState = feedState;
    this.agents = new Map(); // key -> {p, o, fields}
    this.rows = new Map();
    this.events = 0;
    this.source = null;
    this.lastAck = 0;
    this.dirty = false;
  }
  connect(tenant) {
    if (this.source) this.source.close();
    this.agents.clear(); this.rows.clear(); this.body.replaceChildren();
    const query = tenant ? `?tenant=${encodeURIComponent(tenant)}` : "";
    const source = new EventSource(`/agents/stream${query}`);
    this.source = source;
    source.addEventListener("snapshot", (e) => { this.agents.clear(); this.rows.clear(); this.body.replaceChildren(); this.apply(e); });
    source.addEventListener("changes", (e) => this.apply(e));
    source.addEventListener("dropped", () => this.setState("feed: dropped (too slow), resuming…", "bad"));
    source.onopen = () => this.setState("feed: live", "ok");
    source.onerror = () => this.setState("feed: reconnecting…", "bad");
  }
  setState(text, kind) {
    this.feedState.textContent = text;
    this.feedState.className = `badge ${kind}`;
  }
  apply(event) {
    const data = JSON.parse(event.data);
    this.lastAck = data.ack;
    for (const change of data.changes) {
      this.events++;
      const held = this.agents.get(change.key);
      if (held && held.p === change.p && held.o >= change.o) continue; // never older over newer
      if (change.fields === null) {
        this.agents.delete(change.key);
        const row = this.rows.get(change.key);
        if (row) { row.remove(); this.rows.delete(change.key); }
        continue;
      }
      this.agents.set(change.key, { p: change.p, o: change.o, fields: change.fields });
      this.render(change.key);
    }
    this.dirty = true;
    document.dispatchEvent(new CustomEvent("agents-changed", { detail: data }));
  }
  render(key) {
    const agent = this.agents.get(key);
    let row = this.rows.get(key);
    if (!row) {
      row = document.createElement("tr");
      row.dataset.key = key;
      for (let i = 0; i < 6; i++) row.appendChild(document.createElement("td"));
      this.rows.set(key, row);
      this.body.appendChild(row);
    }
    const f = agent.fields, id = key.slice(key.lastIndexOf(":") + 1);
    const cells = [id, f.tenant ?? "", f.status ?? "", f.presence ?? "", f.call_state ?? "", `${agent.p}:${agent.o}`];
    cells.forEach((text, i) => { row.children[i].textContent = text; });
    row.dataset.status = f.status ?? "";
    row.classList.add("flash");
    setTimeout(() => row.classList.remove("flash"), 600);
  }
  renderCounts() {
    if (!this.dirty) return;
    this.dirty = false;
    const byStatus = new Map();
    for (const a of this.agents.values()) {
      const s = a.fields.status ?? "(none)";
      byStatus.set(s, (byStatus.get(s) ?? 0) + 1);
    }
    this.counts.replaceChildren(...[...byStatus.entries()].sort().map(([s, n]) => {
      const span = document.createElement("span");
      span.dataset.status = s;
      span.textContent = `${s}: ${n}`;
      return span;
    }));
    this.total.textContent = `(${this.agents.size})`;
  }
}
window.AgentGrid = AgentGrid;
