// The dashboard's charts (uPlot, vendor/uPlot.iife.min.js). Every few seconds the page reads a snapshot of the
// server's metrics (/console/api/metrics: totals since the server started); rates and percentiles are taken from
// the difference between two snapshots in a row. Under each chart, its latest figures in words.
(function () {
  "use strict";
  const root = document.getElementById("dashboard");
  const every = Number(root.dataset.pollSeconds) * 1000;
  const KEEP = 150; // points per series: 5 minutes at one every 2 s
  const PALETTE = ["#1d4ed8", "#b91c1c", "#047857", "#7c3aed", "#b45309", "#0e7490", "#be185d", "#4b5563"];
  const charts = {};
  let previous = null;

  // Prometheus' histogram_quantile over the requests answered between two snapshots: linear within a bucket.
  function quantile(q, before, now) {
    const counts = now.map(([bound, n], i) => [bound, n - (before[i] ? before[i][1] : 0)]);
    const total = counts.length ? counts[counts.length - 1][1] : 0;
    if (total <= 0) {
      return null;
    }
    const rank = q * total;
    let lowerBound = 0;
    let lowerCount = 0;
    for (const [bound, count] of counts) {
      if (count >= rank) {
        if (bound === "+Inf") {
          return lowerBound;
        }
        return lowerBound + (bound - lowerBound) * ((rank - lowerCount) / Math.max(count - lowerCount, 1));
      }
      lowerBound = bound;
      lowerCount = count;
    }
    return lowerBound;
  }

  function rates(now, before, seconds) {
    const out = {};
    for (const [name, total] of Object.entries(now)) {
      out[name] = Math.max(0, total - (before[name] || 0)) / seconds;
    }
    return out;
  }

  function options(id, names, unit) {
    const element = document.getElementById(id + "-chart");
    return {
      width: Math.max(element.clientWidth, 320),
      height: 220,
      scales: { x: { time: true } },
      axes: [{}, { label: unit }],
      series: [{}, ...names.map((name, i) => ({ label: name, stroke: PALETTE[i % PALETTE.length], width: 2 }))],
    };
  }

  // One point per series at ``time``; a series seen for the first time starts the chart again with it.
  function record(id, time, values, unit, words) {
    const chart = charts[id] || (charts[id] = { times: [], series: {}, names: "", plot: null });
    for (const name of Object.keys(values)) {
      if (!(name in chart.series)) {
        chart.series[name] = chart.times.map(() => null);
      }
    }
    chart.times.push(time);
    for (const [name, points] of Object.entries(chart.series)) {
      points.push(name in values ? values[name] : 0);
    }
    if (chart.times.length > KEEP) {
      chart.times.shift();
      for (const points of Object.values(chart.series)) {
        points.shift();
      }
    }
    const names = Object.keys(chart.series);
    const data = [chart.times, ...names.map((name) => chart.series[name])];
    if (chart.plot && chart.names === names.join("\n")) {
      chart.plot.setData(data);
    } else {
      if (chart.plot) {
        chart.plot.destroy();
      }
      chart.plot = new window.uPlot(options(id, names, unit), data, document.getElementById(id + "-chart"));
      chart.names = names.join("\n");
    }
    document.getElementById(id + "-now").textContent = words;
  }

  function busiest(perSecond, unit) {
    const shown = Object.entries(perSecond)
      .filter(([, rate]) => rate > 0)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([name, rate]) => `${name} ${rate.toFixed(1)}${unit}`);
    return shown.length ? "Now: " + shown.join(", ") + "." : "Now: none.";
  }

  function draw(now) {
    if (previous === null) {
      previous = now;
      return;
    }
    const seconds = Math.max(now.Time - previous.Time, 0.001);
    const requests = rates(now.Requests, previous.Requests, seconds);
    const errors = rates(now.Errors, previous.Errors, seconds);
    const p50 = quantile(0.5, previous.LatencyBuckets, now.LatencyBuckets);
    const p99 = quantile(0.99, previous.LatencyBuckets, now.LatencyBuckets);
    const ms = (value) => (value === null ? null : value * 1000);
    record("requests", now.Time, requests, "requests/s", busiest(requests, "/s"));
    record("errors", now.Time, errors, "failures/s", busiest(errors, "/s"));
    const latency =
      p50 === null ? "Now: no requests." : `Now: p50 ${ms(p50).toFixed(2)} ms, p99 ${ms(p99).toFixed(2)} ms.`;
    record("latency", now.Time, { p50: ms(p50), p99: ms(p99) }, "ms", latency);
    const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;
    const audience = `Now: ${plural(now.MembersOnline, "member", "members")} online, ${plural(now.Rooms, "room", "rooms")}.`;
    record("audience", now.Time, { "members online": now.MembersOnline, rooms: now.Rooms }, "", audience);
    previous = now;
  }

  async function poll() {
    try {
      const answer = await fetch("/console/api/metrics", { credentials: "same-origin" });
      if (answer.ok) {
        draw(await answer.json());
      }
    } finally {
      window.setTimeout(poll, every);
    }
  }

  window.liveroomCharts = charts;
  poll();
})();
