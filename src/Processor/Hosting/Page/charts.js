// Small hand-written line charts on canvas: a rolling window of points per series, auto-scaled.
"use strict";
class LineChart {
  constructor(canvas, seriesNames, points = 120) {
    this.canvas = canvas;
    this.points = points;
    this.series = new Map(seriesNames.map((n) => [n, []]));
    this.colors = ["#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed"];
  }
  ensure(name) {
    if (!this.series.has(name)) this.series.set(name, []);
    return this.series.get(name);
  }
  push(name, value) {
    const values = this.ensure(name);
    values.push(Number.isFinite(value) ? value : 0);
    if (values.length > this.points) values.shift();
  }
  draw() {
    const c = this.canvas, g = c.getContext("2d");
    const w = c.width, h = c.height, top = 14, bottom = h - 16;
    g.clearRect(0, 0, w, h);
    let max = 1;
    for (const values of this.series.values()) for (const v of values) max = Math.max(max, v);
    g.fillStyle = "#6b7280"; g.font = "11px sans-serif";
    g.fillText(max.toFixed(max < 10 ? 1 : 0), 2, top - 2);
    g.strokeStyle = "#e5e7eb"; g.beginPath(); g.moveTo(0, bottom); g.lineTo(w, bottom); g.stroke();
    let i = 0, legendX = 60;
    for (const [name, values] of this.series) {
      const color = this.colors[i++ % this.colors.length];
      g.strokeStyle = color; g.lineWidth = 1.5; g.beginPath();
      values.forEach((v, k) => {
        const x = (k / (this.points - 1)) * w, y = bottom - (v / max) * (bottom - top);
        if (k === 0) g.moveTo(x, y); else g.lineTo(x, y);
      });
      g.stroke();
      g.fillStyle = color;
      const last = values.length ? values[values.length - 1] : 0;
      const label = `${name} ${last.toFixed(last < 10 ? 1 : 0)}`;
      g.fillText(label, legendX, h - 3);
      legendX += g.measureText(label).width + 14;
    }
  }
}
window.LineChart = LineChart;
