// 我的客服 demo page: plain JavaScript over the JSON API in README.md.
"use strict";

const $ = (sel) => document.querySelector(sel);

// el builds an element: el("li", {class: "x"}, child, "text", ...).
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

async function api(method, path, body) {
  const opts = { method, headers: {} };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const res = await fetch(path, opts);
  const data = await res.json().catch(() => ({}));
  // message is the sentence for the user (Chinese); error is for developers.
  if (!res.ok) throw new Error(data.message || data.error || res.status + " " + res.statusText);
  return data;
}

const state = { user: null, users: [], vocab: [], shown: new Set() };

// ---- users and their timeline ----

function renderUsers() {
  const box = $("#users");
  box.replaceChildren(...state.users.map((u) =>
    el("button", {
      type: "button", class: "user", role: "radio", "data-user": u.id,
      "aria-checked": String(u.id === state.user),
      onclick: () => selectUser(u.id),
    }, el("b", {}, u.name), el("span", {}, u.summary))));
}

function renderTimeline(u) {
  const list = $("#timeline");
  if (!u.events.length) {
    list.replaceChildren(el("li", { class: "empty" }, "还没有任何动态"));
    return;
  }
  list.replaceChildren(...u.events.map((e) =>
    el("li", { "data-type": e.type }, el("span", { class: "ago" }, e.ago), e.phrase)));
}

function updateUser(u) {
  const i = state.users.findIndex((x) => x.id === u.id);
  if (i >= 0) state.users[i] = u;
  if (u.id === state.user) renderTimeline(u);
}

async function selectUser(id) {
  state.user = id;
  state.shown = new Set();
  renderUsers();
  const u = await api("GET", "/api/users/" + encodeURIComponent(id));
  updateUser(u);
  await loadSuggestions();
}

// ---- 猜你关心 ----

async function loadSuggestions() {
  const user = state.user;
  const data = await api("GET", "/api/recommend?user=" + encodeURIComponent(user) + "&limit=5");
  if (user !== state.user) return; // the user changed meanwhile
  const list = $("#suggestions");
  list.dataset.user = user; // whose list this is (tests wait for it)
  const before = state.shown;
  state.shown = new Set(data.suggestions.map((s) => s.id));
  list.replaceChildren(...data.suggestions.map((s) => renderSuggestion(s, before.size > 0 && !before.has(s.id))));
  $("#suggestions-empty").hidden = data.suggestions.length > 0;
}

function renderSuggestion(s, fresh) {
  const answer = el("div", { class: "answer", hidden: true });
  const li = el("li", { class: "suggestion" + (fresh ? " fresh" : ""), "data-id": s.id },
    el("div", { class: "q-row" },
      el("button", { type: "button", class: "q", onclick: () => openAnswer(s.id, answer) }, s.question),
      s.category ? el("span", { class: "cat" }, s.category) : null),
    el("ul", { class: "reasons" }, s.reasons.map((r) => el("li", {}, r))),
    el("div", { class: "actions" },
      el("button", { type: "button", class: "dismiss", onclick: () => feedback(s.id, "dismiss") }, "不是这个"),
      el("button", { type: "button", class: "resolve", onclick: () => feedback(s.id, "resolve") }, "已解决")),
    answer);
  return li;
}

async function openAnswer(id, box) {
  if (!box.hidden) { box.hidden = true; return; }
  const data = await api("POST", "/api/open", { user: state.user, id });
  box.textContent = data.faq.answer;
  box.hidden = false;
  updateUser(data.user);
}

async function feedback(id, kind) {
  await api("POST", "/api/feedback", { user: state.user, id, kind });
  await loadSuggestions();
}

// ---- search as you type ----

let searchTimer = 0;
let searchSeq = 0;

function onSearchInput() {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(runSearch, 200);
}

async function runSearch() {
  const q = $("#search-input").value.trim();
  const seq = ++searchSeq;
  const list = $("#search-results");
  if (!q) { list.replaceChildren(); return; }
  let data;
  try {
    data = await api("GET", "/api/search?limit=6&q=" + encodeURIComponent(q));
  } catch (err) {
    if (seq === searchSeq) list.replaceChildren(el("li", { class: "error" }, err.message));
    return;
  }
  if (seq !== searchSeq) return; // a newer search is under way
  // No confident answer: say so and offer a person, then whatever weaker
  // matches there are.
  const items = data.hits.map(renderHit);
  if (!data.answered) items.unshift(el("li", { class: "muted handoff" }, data.handoff));
  list.replaceChildren(...items);
}

function renderHit(h) {
  const answer = el("div", { class: "answer", hidden: true });
  const title = el("button", { type: "button", class: "hit", onclick: () => openAnswer(h.id, answer) });
  // The fragment is HTML from the server: escaped text with <mark> around matched terms.
  const frag = el("span", { class: "fragment" });
  frag.innerHTML = h.fragment;
  if (h.field === "question") {
    title.append(frag);
    return el("li", { "data-id": h.id }, title, answer);
  }
  title.append(h.question);
  return el("li", { "data-id": h.id }, title, el("div", { class: "via" }, "匹配：", frag), answer);
}

// ---- instruction box ----

const outcomeText = {
  out_of_scope: "这句话超出了我能办理的范围",
  low_confidence: "没太听懂你的意思",
  ambiguous: "你的意思有点模糊",
  unrouted: "暂时没有可以直接办理的服务",
};

async function onIntent(ev) {
  ev.preventDefault();
  const text = $("#intent-input").value.trim();
  const box = $("#intent-result");
  if (!text) return;
  let c;
  try {
    c = await api("POST", "/api/classify", { text });
  } catch (err) {
    box.replaceChildren(el("p", { class: "error" }, err.message));
    return;
  }
  if (c.outcome === "matched" && c.service) {
    box.replaceChildren(el("div", { class: "service", "data-intent": c.intent },
      el("div", {}, "将为你打开 ", el("b", {}, c.service.name), el("code", {}, c.service.link),
        el("span", { class: "conf" }, "置信度 " + Math.round(c.confidence * 100) + "%")),
      el("div", { class: "slots" },
        c.slots.map((s) => el("span", { class: "slot", "data-kind": s.kind }, s.label + "：" + s.value)),
        c.missing.map((m) => el("span", { class: "slot missing", "data-kind": m }, "还需要：" + (slotNames[m] || m))))));
    return;
  }
  box.replaceChildren(el("div", { class: "miss", "data-outcome": c.outcome },
    el("p", {}, (outcomeText[c.outcome] || "没有听懂") + "。你是不是想问："),
    c.related.length
      ? el("ul", { class: "results" }, c.related.map(renderHit))
      : el("p", { class: "muted" }, "没有找到相近的问题，换个说法试试？")));
}

const slotNames = { amount: "金额", card_tail: "卡号尾号", date: "日期", payee: "收款人", order_id: "订单号", phone: "手机号" };

// ---- adding an event by hand ----

function renderEventForm() {
  const sel = $("#event-type");
  sel.replaceChildren(...state.vocab.map((v) => el("option", { value: v.type }, v.title + "（" + v.type + "）")));
  sel.value = "transfer.fail";
  renderEventAttrs();
}

function renderEventAttrs() {
  const spec = state.vocab.find((v) => v.type === $("#event-type").value);
  $("#event-attrs").replaceChildren(...spec.attrs.map((a) => {
    let input;
    if (a.values && a.values.length) {
      input = el("select", { name: a.name }, a.values.map((v) => el("option", { value: v.value }, v.label)));
    } else {
      input = el("input", { name: a.name, value: a.name === "amount" ? "500.00" : a.name === "days" ? "3" : "" });
    }
    return el("label", {}, a.label, input);
  }));
}

async function onAddEvent(ev) {
  ev.preventDefault();
  const type = $("#event-type").value;
  const attrs = {};
  for (const input of $("#event-attrs").querySelectorAll("select, input")) {
    if (input.value !== "") attrs[input.name] = input.value;
  }
  const errBox = $("#event-error");
  try {
    const u = await api("POST", "/api/timeline", { user: state.user, type, attrs });
    errBox.hidden = true;
    updateUser(u);
    await loadSuggestions();
  } catch (err) {
    errBox.textContent = err.message;
    errBox.hidden = false;
  }
}

async function onReset() {
  const u = await api("POST", "/api/users/" + encodeURIComponent(state.user) + "/reset");
  updateUser(u);
  state.shown = new Set();
  await loadSuggestions();
}

// ---- start ----

async function start() {
  const [users, vocab] = await Promise.all([api("GET", "/api/users"), api("GET", "/api/vocabulary")]);
  state.users = users.users;
  state.vocab = vocab.events;
  renderEventForm();
  $("#event-type").addEventListener("change", renderEventAttrs);
  $("#event-form").addEventListener("submit", onAddEvent);
  $("#reset").addEventListener("click", onReset);
  $("#search-input").addEventListener("input", onSearchInput);
  $("#intent-form").addEventListener("submit", onIntent);
  await selectUser(state.users[0].id);
  document.body.dataset.ready = "true";
}

start().catch((err) => {
  document.body.prepend(el("p", { class: "error" }, "页面加载失败：" + err.message));
});
