// Wires the page: polls /status.json for the charts and recovery, and runs the agent grid on the feed.
"use strict";
const $ = (id) => document.getElementById(id);
const throughput = new LineChart($("chart-throughput"), []);
const lag = new LineChart($("chart-lag"), []);
const latency = new LineChart($("chart-latency"), ["p50", "p99"]);
const grid = new AgentGrid($("agents"), $("status-counts"), $("agent-total"), $("feed-state"));
let previous = null;

async function poll() {
  try {
    const response = await fetch("/status.json", { cache: "no-store" });
    const s = await response.json();
    $("topology-name").textContent = `· ${s.topology}`;
    const readiness = $("readiness");
    readiness.textContent = s.readiness;
    readiness.className = `badge ${s.ready ? "ok" : "bad"}`;
    for (const stage of s.stages) {
      const before = previous?.stages.find((x) => x.name === stage.name);
      const seconds = previous ? (s.timeUnixMs - previous.timeUnixMs) / 1000 : 0;
      throughput.push(stage.name, before && seconds > 0 ? (stage.consumed - before.consumed) / seconds : 0);
      lag.push(stage.name, stage.lag);
    }
    latency.push("p50", s.e2e.p50);
    latency.push("p99", s.e2e.p99);
    throughput.draw(); lag.draw(); latency.draw();
    const r = s.recovering;
    $("rebuild").textContent = r.rebuilds.length === 0 ? `no rebuild (losses detected: ${r.lossesDetected})`
      : r.rebuilds.map((b) => `${b.done ? "done" : "rebuilding"}: ${b.read} records in ${b.elapsedSeconds}s; `
        + b.partitions.map((p) => `p${p.partition} ${p.next}/${p.upTo}`).join(", ")).join("\n");
    $("feed-counts").textContent = `${s.feed.clients} clients; ${s.feed.received} changes received, ${s.feed.published} published here; ${s.feed.dropped} slow clients dropped`;
    previous = s;
  } catch (error) {
    $("readiness").textContent = "pod unreachable";
    $("readiness").className = "badge bad";
  }
}

$("filter").addEventListener("submit", (e) => {
  e.preventDefault();
  grid.connect($("tenant").value.trim());
});
grid.connect("");
const team = new TeamPanel($("team"), $("team-note"));
$("team-filter").addEventListener("submit", (e) => {
  e.preventDefault();
  team.connect($("team-tenant").value.trim());
});
team.connect("");
setInterval(poll, 1000);
setInterval(() => grid.renderCounts(), 250);
poll();
