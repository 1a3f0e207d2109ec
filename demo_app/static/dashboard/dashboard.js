// The live dashboard: log in, read GET /api/v1/events, draw each request's task runs.
// The token lives in this closure only: never in a URL, a cookie or storage. The stream is
// read with fetch (an EventSource cannot send an Authorization header) and resumed with
// Last-Event-ID when it ends.
"use strict";
(() => {
  const API = "/api/v1";
  const SHOWN = 30; // requests on the page
  const ACTIVE = new Set(["queued", "running", "retrying", "interrupted"]);
  const $ = (selector) => document.querySelector(selector);
  let token = null;
  let lastEventId = null;
  let pause = 1000; // before reconnecting: none after a stream's planned end
  let item = null; // the last item created, for "Complete an item"
  let drawing = false;
  const requests = new Map(), runs = new Map(), mails = new Map(), stats = [];

  function call(method, path, body, form) {
    const headers = { Authorization: `Bearer ${token}` };
    let payload;
    if (form) { payload = new URLSearchParams(body); } else if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
    return fetch(API + path, { method, headers, body: payload });
  }

  function element(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (name === "class") node.className = value; else node.setAttribute(name, value);
    }
    node.append(...children);
    return node;
  }

  const ms = (value) => value === null || value === undefined ? "–" : `${value.toFixed(1)} ms`;
  const time = (iso) => iso ? Date.parse(iso) : null;

  // ---- the stream ----------------------------------------------------------------------
  function connected(live, text) {
    const status = $("#connection");
    status.dataset.state = live ? "live" : "offline";
    status.textContent = text;
  }

  function receive(kind, data) {
    if (kind === "request") requests.set(data.request_id, data);
    else if (kind === "run") runs.set(data.id, data);
    else if (kind === "mail") mails.set(data.id, data);
    else if (kind === "stats") stats.splice(0, stats.length, ...data);
    else if (kind === "ready") connected(true, "live");
    else if (kind === "bye" && data.reason === "lifetime") pause = 0;
    else if (kind === "bye") connected(false, "the server is stopping: reconnecting");
    draw();
  }

  function dispatch(block) {
    let kind = "message", data = "";
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) continue; // a keep-alive comment
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") kind = value;
      else if (field === "data") data += (data ? "\n" : "") + value;
      else if (field === "id") lastEventId = value;
    }
    if (data) receive(kind, JSON.parse(data));
  }

  async function listen() {
    while (token) {
      try {
        const headers = { Authorization: `Bearer ${token}`, Accept: "text/event-stream" };
        if (lastEventId) headers["Last-Event-ID"] = lastEventId;
        const response = await fetch(`${API}/events`, { headers });
        if (response.status === 401 || response.status === 403) { logout("log in again"); return; }
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value.replace(/\r\n?/g, "\n");
          let end;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            dispatch(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
          }
        }
      } catch (error) {
        connected(false, "connection lost: reconnecting");
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = 1000;
    }
  }

  // ---- drawing -------------------------------------------------------------------------
  function draw() {
    if (drawing) return;
    drawing = true;
    requestAnimationFrame(() => { drawing = false; render(); });
  }

  function render() {
    const now = Date.now();
    const byRequest = new Map();
    for (const run of runs.values()) {
      if (!run.request_id) continue;
      if (!byRequest.has(run.request_id)) byRequest.set(run.request_id, []);
      byRequest.get(run.request_id).push(run);
    }
    const newest = [...requests.values()]
      .sort((a, b) => time(b.received_at) - time(a.received_at)).slice(0, SHOWN);
    $("#requests").replaceChildren(...newest.map((r) => requestRow(r, byRequest.get(r.request_id) || [], now)));
    $("#stats tbody").replaceChildren(...stats.map(statsRow));
    const sent = [...mails.values()].filter((m) => m.sent_at)
      .sort((a, b) => time(b.sent_at) - time(a.sent_at)).slice(0, SHOWN);
    $("#mail").replaceChildren(...sent.map((m) => element("li", { "data-mail-id": m.id },
      element("b", {}, m.subject), ` to ${m.recipient} `,
      element("span", { class: "when" }, new Date(m.sent_at).toLocaleTimeString()))));
  }

  function requestRow(request, tasks, now) {
    const start = time(request.received_at);
    // In the order they ran (started); those still waiting after them, in queue order.
    const began = (t) => time(t.started_at) || Infinity;
    tasks.sort((a, b) => began(a) - began(b) || time(a.queued_at) - time(b.queued_at));
    const ends = tasks.map((t) => ACTIVE.has(t.status) ? now : time(t.finished_at) || now);
    const span = Math.max(100, ...ends.map((end) => end - start), time(request.response_sent_at) - start || 0);
    const at = (moment) => `${Math.min(100, Math.max(0, ((moment - start) / span) * 100))}%`;
    const axis = element("div", { class: "axis", "aria-hidden": "true" },
      element("span", { class: "start" }, "0 ms"), element("span", { class: "end" }, `${Math.round(span)} ms`));
    const answered = time(request.response_sent_at);
    if (answered) {
      const tick = element("span", { class: "response", title: "response sent" });
      tick.style.left = at(answered);
      axis.append(tick);
    }
    const row = element("li", { class: "request", "data-request-id": request.request_id },
      element("div", { class: "request-head" },
        element("span", {}, `${request.method} ${request.path}`),
        element("span", {}, `→ ${request.status_code ?? "…"}`),
        element("span", { class: "answered" }, answered ? `answered in ${Math.round(answered - start)} ms` : "answering…"),
        element("span", { class: "id" }, request.request_id)),
      element("div", { class: "run" }, element("div", { class: "label" }), axis));
    for (const task of tasks) row.append(runRow(task, start, now, at));
    return row;
  }

  function runRow(run, start, now, at) {
    const track = element("div", { class: "track" });
    const queued = time(run.queued_at), began = time(run.started_at), ended = time(run.finished_at);
    const waitEnd = began && began >= queued ? began : (ACTIVE.has(run.status) && run.status !== "running" ? now : queued);
    const wait = element("div", { class: `bar wait ${run.status === "retrying" ? "retrying" : "queued"}` });
    wait.style.left = at(queued);
    wait.style.width = `calc(${at(waitEnd)} - ${at(queued)})`;
    track.append(wait);
    if (began) {
      const finish = run.status === "running" ? now : (ended && ended >= began ? ended : began);
      const bar = element("div", { class: `bar ${run.status}` });
      bar.style.left = at(began);
      bar.style.width = `calc(${at(finish)} - ${at(began)})`;
      track.append(bar);
    }
    const label = element("div", { class: "label" }, element("b", {}, run.name), " ",
      element("span", { class: `status ${run.status}`, "data-status": run.status }, run.status),
      ` · attempt ${run.attempt}`, run.duration_ms != null ? ` · ${ms(run.duration_ms)}` : "");
    if (run.error_type) label.append(element("div", { class: "note" }, `${run.error_type}: ${run.error_message}`));
    if (run.status === "dead" || run.status === "failed") {
      const retry = element("button", { class: "small", "data-retry": run.id }, "Retry");
      retry.addEventListener("click", () => act(`retry of ${run.name}`, () => call("POST", `/tasks/${run.id}/retry`)));
      label.append(" ", retry);
    }
    return element("div", { class: `run ${run.status}`, "data-run-id": run.id, "data-task": run.name, "data-status": run.status }, label, track);
  }

  function statsRow(s) {
    const total = Object.values(s.counts).reduce((a, b) => a + b, 0);
    const rate = s.success_rate === null ? "–" : `${(s.success_rate * 100).toFixed(1)} %`;
    return element("tr", { "data-task": s.name }, element("td", {}, s.name), element("td", {}, String(total)),
      element("td", {}, String(s.counts.succeeded || 0)), element("td", {}, rate),
      element("td", {}, ms(s.p50_ms)), element("td", {}, ms(s.p95_ms)));
  }

  // Bars of running tasks grow with the clock, between events too.
  setInterval(() => {
    for (const run of runs.values()) if (ACTIVE.has(run.status)) { draw(); return; }
  }, 250);

  // ---- actions -------------------------------------------------------------------------
  let users = 0;
  const actions = {
    register: () => {
      // A throwaway user: a random password nobody is told, and no newsletter.
      const name = `reader${Date.now().toString(36)}${users++}`;
      const password = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(18))));
      return call("POST", "/auth/register", {
        username: name, email: `${name}@example.com`, password, subscribe_newsletter: false,
      });
    },
    item: async () => {
      const response = await call("POST", "/items", { title: `An item of ${new Date().toLocaleTimeString()}` });
      if (response.ok) item = (await response.clone().json()).id;
      return response;
    },
    complete: async () => {
      if (item === null) {
        const created = await actions.item();
        if (!created.ok) return created;
      }
      const response = await call("PUT", `/items/${item}`, { is_completed: true });
      item = null;
      return response;
    },
    newsletter: () => call("POST", "/send-newsletter", {
      subject: `News of ${new Date().toLocaleTimeString()}`, body: "What the background tasks did today.",
    }),
  };

  async function act(what, run) {
    const result = $("#action-result");
    try {
      const response = await run();
      result.textContent = `${what}: ${response.status}${response.ok ? "" : " " + (await response.text())}`;
    } catch (error) {
      result.textContent = `${what}: ${error}`;
    }
  }

  function logout(why) {
    token = null;
    $("#board").hidden = true;
    $("#login").hidden = false;
    const error = $("#login-error");
    error.textContent = why;
    error.hidden = false;
    connected(false, "not connected");
  }

  async function login(event) {
    event.preventDefault();
    const form = new FormData(event.target);
    const error = $("#login-error");
    const response = await fetch(`${API}/auth/login`, { method: "POST", body: new URLSearchParams(form) });
    if (!response.ok) {
      error.textContent = response.status === 401 ? "Wrong username or password." : `Login failed: ${response.status}`;
      error.hidden = false;
      return;
    }
    token = (await response.json()).access_token;
    event.target.reset();
    const me = await call("GET", "/users/me");
    if (!me.ok || !(await me.json()).is_admin) { logout("This dashboard is for admins only."); return; }
    error.hidden = true;
    $("#login").hidden = true;
    $("#board").hidden = false;
    connected(false, "connecting…");
    if (document.body.dataset.mailSwitch === "yes") await mailSwitch();
    listen();
  }

  async function mailSwitch() {
    const box = $("#mail-running");
    const state = await call("GET", "/dashboard/mail");
    if (!state.ok) return;
    box.checked = (await state.json()).running;
    $(".mail-switch").hidden = false;
    box.addEventListener("change", () => act(box.checked ? "mail server started" : "mail server stopped",
      () => call("PUT", "/dashboard/mail", { running: box.checked })));
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("#login").addEventListener("submit", login);
    for (const button of document.querySelectorAll("[data-action]")) {
      button.addEventListener("click", async () => {
        button.disabled = true;
        await act(button.textContent, actions[button.dataset.action]);
        button.disabled = false;
      });
    }
  });
})();
