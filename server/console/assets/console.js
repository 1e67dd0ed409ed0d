// The Moonbox operator console. Everything shown comes from the server as
// JSON and goes into the DOM as text (textContent, createTextNode): names,
// errors and topics are the tenants' to choose, so nothing of theirs is
// ever parsed as HTML (a test checks this file builds no markup from strings).
"use strict";

const SVGNS = "http://www.w3.org/2000/svg";
let csrf = "";

// el builds an element; string and number children become text nodes.
function el(tag, props, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function svg(tag, attrs) {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

function num(x) {
  if (x >= 1e9) return (x / 1e9).toFixed(1) + "G";
  if (x >= 1e6) return (x / 1e6).toFixed(1) + "M";
  if (x >= 1e4) return (x / 1e3).toFixed(1) + "k";
  if (x >= 100 || x === 0 || Number.isInteger(x)) return String(Math.round(x));
  return x.toFixed(1);
}

function bytes(x) {
  if (x >= 1 << 30) return (x / (1 << 30)).toFixed(1) + " GiB";
  if (x >= 1 << 20) return (x / (1 << 20)).toFixed(1) + " MiB";
  if (x >= 1 << 10) return (x / (1 << 10)).toFixed(0) + " KiB";
  return x + " B";
}

function when(t) {
  const d = new Date(t);
  return isNaN(d) ? "" : d.toLocaleTimeString();
}

// spark draws a series as a line in slots places, the newest point at the
// right edge (a young tenant's line starts part-way); hot colours it as
// trouble.
function spark(points, slots, w, h, hot) {
  const s = svg("svg", { width: w, height: h, viewBox: `0 0 ${w} ${h}`, class: "spark" + (hot ? " hot" : "") });
  const n = Math.min(points.length, slots);
  if (n < 2) return s;
  points = points.slice(-n);
  const top = Math.max(...points) || 1;
  const xy = points.map((v, i) => `${((slots - n + i) * (w - 2) / (slots - 1) + 1).toFixed(1)},${(h - 1 - (v / top) * (h - 2)).toFixed(1)}`);
  s.append(svg("polyline", { points: xy.join(" "), fill: "none" }));
  return s;
}

function chart(title, points, fmt, hot) {
  const top = points.length ? Math.max(...points) : 0;
  const last = points.length ? points[points.length - 1] : 0;
  return el("figure", { class: "chart" },
    el("figcaption", {}, title, el("span", { class: "dim" }, ` now ${fmt(last)} · max ${fmt(top)} · 10 min`)),
    spark(points, 600, 560, 70, hot));
}

function toast(msg, bad) {
  const t = document.getElementById("toast");
  t.textContent = msg;
  t.className = bad ? "bad" : "";
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, 5000);
}

// confirmAction asks in a modal dialog; it resolves to true on Confirm.
let confirming = false;
function confirmAction(text) {
  const d = document.getElementById("confirm");
  document.getElementById("confirm-text").textContent = text;
  confirming = true;
  d.showModal();
  return new Promise(resolve => {
    d.addEventListener("close", () => { confirming = false; resolve(d.returnValue === "ok"); }, { once: true });
  });
}

async function act(tenant, what, body, question) {
  if (!await confirmAction(question)) return false;
  const r = await fetch(`/ui/api/tenants/${encodeURIComponent(tenant)}/${what}`, {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
    body: JSON.stringify(body || {}),
  });
  const j = await r.json().catch(() => ({}));
  if (!r.ok) { toast(`${what} failed: ${j.error || r.status}`, true); return false; }
  toast(`${tenant}: ${j.done}`);
  return true;
}

function stream(url, onData) {
  const live = document.getElementById("live");
  const es = new EventSource(url);
  es.onmessage = ev => {
    live.textContent = "live";
    live.className = "live on";
    document.getElementById("clock").textContent = new Date().toLocaleTimeString();
    onData(JSON.parse(ev.data));
  };
  es.addEventListener("gone", () => { es.close(); live.textContent = "gone"; live.className = "live"; });
  es.onerror = () => {
    live.textContent = "reconnecting…";
    live.className = "live";
    fetch("/ui/api/session", { credentials: "same-origin" }).then(r => { if (r.status === 401) location.href = "/ui/login"; });
  };
  return es;
}

// ---- overview ----

function overview(main) {
  const keys = ["msgs", "instr", "mem", "denied", "kills"];
  let sparks = {}; // tenant → key → points
  let points = 120;
  const tbody = el("tbody", { id: "tenants" });
  const count = el("span", { id: "count" });
  main.replaceChildren(
    el("h1", {}, "Tenants ", count),
    el("table", { class: "overview" },
      el("thead", {}, el("tr", {},
        ["Tenant", "Status", "Version", "Processes", "Messages/s", "Lua instructions/s (share)", "Guest memory / limit",
          "Denials/min", "Limit kills/min", "Services up / failed"].map(h => el("th", {}, h)))),
      tbody),
    el("p", { class: "note" }, "Rates are over the last second (denials and kills over the last minute); sparklines cover the last 10 minutes, a point per 5 s. " +
      "The instruction share is of all Lua instructions the machine ran that second. Guest memory is the linear memory of the tenant's sandbox instances against its cap per instance times their number (native tenants: not measured)."));
  stream("/ui/api/stream", o => {
    points = o.points;
    const seen = {};
    for (const r of o.tenants) {
      seen[r.name] = true;
      if (!sparks[r.name]) sparks[r.name] = Object.fromEntries(keys.map(k => [k, []]));
      if (r.spark) for (const k of keys) {
        const s = sparks[r.name][k];
        s.push(...r.spark[k]);
        if (s.length > points) s.splice(0, s.length - points);
      }
    }
    for (const n of Object.keys(sparks)) if (!seen[n]) delete sparks[n];
    count.textContent = `(${o.tenants.length})`;
    tbody.replaceChildren(...o.tenants.map(r => row(r, sparks[r.name])));
  });

  function row(r, sp) {
    const memPct = r.mem_limit ? r.mem / r.mem_limit : 0;
    return el("tr", { class: "status-" + r.status, "data-tenant": r.name },
      el("td", {}, el("a", { href: "/ui/tenant/" + encodeURIComponent(r.name), class: "tenant" }, r.name),
        r.error ? el("div", { class: "error" }, r.error) : null),
      el("td", {}, el("span", { class: "badge " + r.status }, r.status)),
      el("td", {}, "v" + r.version),
      el("td", { class: "n" }, num(r.procs)),
      el("td", { class: "n" }, el("span", { class: "v" }, num(r.msgs)), spark(sp.msgs, points, 80, 22)),
      el("td", { class: "n" }, el("span", { class: "v wide" }, num(r.instr), el("span", { class: "dim" }, ` (${(r.share * 100).toFixed(0)}%)`)), spark(sp.instr, points, 80, 22)),
      el("td", { class: "n" }, r.native ? el("span", { class: "v wider dim" }, "native: not measured") :
        el("span", { class: "v wider" }, bytes(r.mem), el("span", { class: "dim" }, " / " + bytes(r.mem_limit)), meter(memPct)), spark(sp.mem, points, 80, 22)),
      el("td", { class: "n" + (r.denied_min > 0 ? " warn" : "") }, el("span", { class: "v" }, num(r.denied_min)), spark(sp.denied, points, 80, 22, r.denied_min > 0)),
      el("td", { class: "n" + (r.kills_min > 0 ? " bad" : "") }, el("span", { class: "v" }, num(r.kills_min)), spark(sp.kills, points, 80, 22, r.kills_min > 0)),
      el("td", { class: "n" }, `${r.svc_up} / `, el("span", { class: r.svc_failed ? "bad" : "" }, String(r.svc_failed)),
        el("span", { class: "dim" }, ` of ${r.svc}`)));
  }
}

function meter(f) {
  const m = el("span", { class: "meter" + (f > 0.8 ? " hot" : "") });
  m.append(el("span", {}));
  m.firstChild.style.width = Math.min(100, f * 100).toFixed(0) + "%";
  return m;
}

// ---- tenant page ----

function tenantPage(main, name) {
  const head = el("div", { class: "head" });
  const charts = el("section", { class: "charts" });
  const services = el("section", {});
  // The top lists change every second under load: their rows are kept by
  // PID and updated in place, so a Terminate button stays the same element
  // while the pointer moves to it.
  const cpuBody = el("tbody", {}), mailBody = el("tbody", {});
  const cpuRows = new Map(), mailRows = new Map();
  const procHeads = () => el("thead", {}, el("tr", {}, ["PID", "Source", "Instructions", "Mailbox", ""].map(h => el("th", {}, h))));
  const top = el("section", { class: "tops" },
    el("div", {}, el("h2", {}, "Top processes by Lua instructions"), el("table", { id: "top-cpu" }, procHeads(), cpuBody)),
    el("div", {}, el("h2", {}, "Fullest mailboxes"), el("table", { id: "top-mailbox" }, procHeads(), mailBody)),
    el("p", { class: "note" }, "The top 20 of each, never the whole process table. Memory per process is not tracked by the runtime " +
      "(processes of a tenant share its sandbox instances' heap): the tenant's guest memory is charted above."));
  const journal = el("section", {});
  const limits = el("section", {});
  main.replaceChildren(el("p", {}, el("a", { href: "/ui/" }, "← all tenants")), head, charts, services, top, journal, limits);
  const last = {};
  redraw = () => { for (const k of Object.keys(last)) delete last[k]; };
  // put re-renders a section only when its data changed, so a button is
  // not replaced under the pointer every second.
  function put(section, key, data, render) {
    const j = JSON.stringify(data);
    if (last[key] === j) return;
    last[key] = j;
    section.replaceChildren(...render(data));
  }
  const es = stream(`/ui/api/tenants/${encodeURIComponent(name)}/stream`, d => {
    if (confirming) return;
    put(head, "head", { name: d.name, status: d.status, version: d.version, previous: d.previous, isolation: d.isolation, error: d.error, procs: d.procs }, h => [
      el("h1", {}, el("span", { id: "tenant-name" }, h.name), " ", el("span", { class: "badge " + h.status }, h.status)),
      el("p", {}, `version ${h.version}`, h.previous ? ` (previous ${h.previous})` : "", ` · ${h.isolation || "not served"} · ${num(h.procs)} live processes`),
      h.error ? el("p", { class: "error" }, h.error) : null,
      el("div", { class: "actions" },
        el("button", { id: "rollback", disabled: h.previous ? null : "", onclick: () => act(name, "rollback", {}, `Roll ${name} back to version ${h.previous}?`) }, "Roll back"),
        el("button", { id: "undeploy", class: "danger", onclick: async () => { if (await act(name, "undeploy", {}, `Undeploy ${name}? Its processes end and its stored versions are deleted.`)) location.href = "/ui/"; } }, "Undeploy")),
    ].filter(Boolean));
    const c = d.charts;
    charts.replaceChildren(
      chart("Messages/s", c.msgs, num), chart("Lua instructions/s", c.instr, num),
      chart("Guest memory", c.mem, bytes), chart("Live processes", c.procs, num),
      chart("Policy denials/min", c.denied, num, d.denied_min > 0), chart("Limit kills/min", c.kills, num, d.kills_min > 0));
    put(services, "services", [d.services, d.restarts], ([svcs, restarts]) => [
      el("h2", {}, "Services"),
      table(["Service", "Source", "State", "PID", "Restarts", "Since", "Last exit", ""], (svcs || []).map(s => [
        s.name, s.source, el("span", { class: "badge " + s.state }, s.state), s.pid || "", String(s.restarts), when(s.since),
        el("span", { class: "error" }, s.last_exit || ""),
        s.pid ? el("button", { class: "restart", onclick: () => act(name, "restart", { service: s.name }, `Restart service ${s.name} of ${name}? Its process is terminated and its supervisor starts it again.`) }, "Restart") : ""])),
      el("h3", {}, "Restart history"),
      entries(restarts, ["Time", "Service", "Exit before the restart"], e => [when(e.time), e.service, el("span", { class: "error" }, e.message)]),
    ]);
    procs(cpuBody, cpuRows, d.top_cpu);
    procs(mailBody, mailRows, d.top_mailbox);
    put(journal, "journal", [d.exits, d.kills, d.denials, d.warnings], ([exits, kills, denials, warnings]) => [
      el("h2", {}, "Recent limit kills"),
      entries(kills, ["Time", "PID", "Source", "Kind", "Error"], e => [when(e.time), e.pid, e.source, e.error_kind, el("span", { class: "error" }, e.message)]),
      el("h2", {}, "Recent abnormal exits"),
      entries(exits, ["Time", "PID", "Source", "Kind", "Error"], e => [when(e.time), e.pid, e.source, e.error_kind, el("span", { class: "error" }, e.message)]),
      el("h2", {}, "Recent policy denials"),
      entries(denials, ["Time", "Subject", "Action", "Resource", "PID"], e => [when(e.time), e.subject, e.action, e.resource, e.pid]),
      warnings && warnings.length ? [el("h2", {}, "Runtime warnings"), entries(warnings, ["Time", "Report"], e => [when(e.time), el("span", { class: "error" }, e.message)])] : [],
    ].flat());
    put(limits, "limits", d.limits, ls => [
      el("h2", {}, "Limits"),
      table(["Limit", "This tenant", "Operator default", "Operator ceiling"], (ls || []).map(l => [l.name, l.tenant, l.default, l.ceiling])),
    ]);
  });

  // procs shows a top list in tbody, reusing the rows (by PID) it had.
  function procs(tbody, rows, list) {
    const seen = new Set();
    const order = (list || []).map(p => {
      seen.add(p.pid);
      let r = rows.get(p.pid);
      if (!r) {
        const instr = el("td", {}), mbox = el("td", {});
        r = { instr, mbox, tr: el("tr", { "data-pid": p.pid }, el("td", {}, p.pid), el("td", {}, p.source + (p.go ? " (Go)" : "")), instr, mbox,
          el("td", {}, el("button", { class: "terminate", "data-pid": p.pid, onclick: () => act(name, "terminate", { pid: p.pid }, `Terminate process ${p.pid} (${p.source}) of ${name}?`) }, "Terminate"))) };
        rows.set(p.pid, r);
      }
      r.instr.textContent = num(p.instr);
      r.mbox.textContent = num(p.mailbox);
      return r.tr;
    });
    for (const pid of [...rows.keys()]) if (!seen.has(pid)) { rows.get(pid).tr.remove(); rows.delete(pid); }
    order.forEach((tr, i) => { if (tbody.children[i] !== tr) tbody.insertBefore(tr, tbody.children[i] || null); });
  }
  return es;
}

// entries shows the newest 10 of a journal list, and the rest (up to the
// 50 the server keeps) on demand.
const expanded = new Set();
let redraw = () => {};
function entries(list, heads, cells) {
  if (!list || !list.length) return el("p", { class: "dim" }, "none in memory");
  const key = heads.join("|") + (list[0].kind || "");
  const all = expanded.has(key);
  const t = table(heads, (all ? list : list.slice(0, 10)).map(cells));
  if (list.length <= 10) return t;
  return el("div", {}, t, el("button", { class: "more", onclick: () => { all ? expanded.delete(key) : expanded.add(key); redraw(); } },
    all ? "show the newest 10" : `show all ${list.length}`));
}

function table(heads, rows) {
  return el("table", {}, el("thead", {}, el("tr", {}, heads.map(h => el("th", {}, h)))),
    el("tbody", {}, rows.map(r => el("tr", {}, r.map(c => el("td", {}, c))))));
}

// ---- start ----

async function start() {
  const r = await fetch("/ui/api/session", { credentials: "same-origin" });
  if (r.status === 401) { location.href = "/ui/login"; return; }
  const s = await r.json();
  csrf = s.csrf;
  document.getElementById("who").textContent = "session " + s.session;
  document.getElementById("logout").addEventListener("click", async () => {
    await fetch("/ui/logout", { method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": csrf } });
    location.href = "/ui/login";
  });
  const main = document.getElementById("main");
  const m = location.pathname.match(/^\/ui\/tenant\/([^/]+)$/);
  if (m) tenantPage(main, decodeURIComponent(m[1]));
  else overview(main);
}

start();
