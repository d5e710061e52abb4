// The sandbox page: shows the workspace as the chosen person sees it and sends what they do.
// Messages, views and the Home tab arrive as HTML rendered (and escaped) by the server from
// the bot's Block Kit; interactive elements carry data-* attributes this script posts back.
"use strict";

const $ = (id) => document.getElementById(id);
const ui = { me: localStorage.getItem("me") || "", channel: "", tab: "channel", thread: null,
             state: null, threadData: null, editing: null };  // editing: {ts, text}
// the reactions the picker offers (Slack's names), and how they look
const REACTIONS = { "+1": "👍", heart: "❤️", tada: "🎉", raised_hands: "🙌", eyes: "👀",
                    white_check_mark: "✅" };
const COLOURS = ["#1264a3", "#2e7d32", "#8e24aa", "#b3411b", "#00796b", "#ad1457", "#5d4037",
                 "#455a64"];
const NARROW = window.matchMedia("(max-width: 700px)");

// --- talking to the server -------------------------------------------------------------------

async function api(path, body, where = $("error")) {
  let data;
  try {
    const response = await fetch(path, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ as: ui.me, ...body }) });
    data = await response.json();
  } catch {
    lost(true);
    return { ok: false };
  }
  // Only this call's own place: a late answer to another action (a reaction clicked just
  // before) must not wipe out the error this one is about to show, or one shown since.
  where.textContent = data.ok === false ? data.error : (data.error || "");
  if (data.note) $("note").textContent = data.note;
  return data;
}

async function getJSON(path, params) {
  try {
    const response = await fetch(path + "?" + new URLSearchParams(params));
    if (response.status >= 500) throw new Error(`HTTP ${response.status}`);
    return { status: response.status, data: response.ok ? await response.json() : null };
  } catch {  // unreachable, or stopping: said once, in the banner
    lost(true);
    return { status: 0, data: null };
  }
}

// The event stream says when something changed. When it or a request fails, one banner says
// so and the page retries, less and less often, until the sandbox answers again.
let events = null, retryDelay = 0, retryTimer = null;

function connect() {
  events = new EventSource("/sandbox/events");
  events.onopen = () => { retryDelay = 0; };
  events.onmessage = () => refresh();
  events.onerror = () => lost(false);
}

function lost(unreachable) {
  if (unreachable) $("offline").hidden = false;
  if (events) { events.close(); events = null; }
  if (retryTimer) return;
  retryDelay = Math.min(retryDelay ? retryDelay * 2 : 1000, 8000);
  retryTimer = setTimeout(retry, retryDelay);
}

async function retry() {
  clearTimeout(retryTimer);
  retryTimer = null;
  if (await refresh()) connect();
}

// coming back to the page, or back online: try again now rather than at the next retry
for (const [target, name] of [[window, "focus"], [window, "online"],
                              [document, "visibilitychange"]]) {
  target.addEventListener(name, () => { if (retryTimer && !document.hidden) retry(); });
}

// --- small builders -----------------------------------------------------------------------

function el(tag, attrs = {}, text = "") {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text) node.textContent = text;
  return node;
}

function button(text, onClick, attrs = {}) {
  const node = el("button", { type: "button", ...attrs }, text);
  node.addEventListener("click", onClick);
  return node;
}

function initials(name) {
  const words = (name || "?").replace(/\(.*?\)/g, "").trim().split(/\s+/);
  return words.slice(0, 2).map((word) => [...word][0] || "").join("").toUpperCase() || "?";
}

function avatar(m) {
  if (m.bot || m.ephemeral) return el("span", { class: "avatar bot", "aria-hidden": "true" },
                                      "lb");
  let hash = 0;
  for (const char of m.user || m.author || "") hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  const node = el("span", { class: "avatar", "aria-hidden": "true" }, initials(m.author));
  node.style.background = COLOURS[hash % COLOURS.length];
  return node;
}

function myZone() {
  const person = ui.state?.people.find((p) => p.id === ui.me);
  return person?.tz || undefined;
}

function timeNode(ts) {
  const when = new Date(parseFloat(ts) * 1000);
  const zone = myZone();
  const short = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit",
                                                   hourCycle: "h23", timeZone: zone });
  const full = new Intl.DateTimeFormat("en-GB", { dateStyle: "full", timeStyle: "medium",
                                                  timeZone: zone });
  return el("time", { class: "time", datetime: when.toISOString(),
                      title: full.format(when) + (zone ? ` (${zone})` : "") },
            short.format(when));
}

// --- menus: "Add reaction" and "More actions", one open at a time -----------------------------

let openMenu = null;

function closeMenu(focusTrigger = false) {
  if (!openMenu) return;
  const { menu, trigger } = openMenu;
  openMenu = null;
  menu.remove();
  trigger.setAttribute("aria-expanded", "false");
  trigger.closest(".msg")?.classList.remove("menu-open");
  if (focusTrigger) trigger.focus();
}

function menuButton(label, text, items) {
  const trigger = button(text, (event) => {
    event.stopPropagation();
    const wasOpen = openMenu?.trigger === trigger;
    closeMenu();
    if (wasOpen) return;
    const menu = el("div", { class: "menu", role: "menu", "aria-label": label });
    for (const item of items()) {
      menu.append(button(item.text, () => { closeMenu(); item.run(); },
                         { role: "menuitem", ...(item.attrs || {}) }));
    }
    trigger.after(menu);
    // below the button, unless it would be cut off there and there is more room above
    const scroller = trigger.closest("#messages, #thread-messages, #home");
    const area = scroller ? scroller.getBoundingClientRect() : { top: 0, bottom: innerHeight };
    const box = menu.getBoundingClientRect(), at = trigger.getBoundingClientRect();
    if (box.bottom > area.bottom && at.top - area.top > area.bottom - at.bottom) {
      menu.classList.add("up");
    }
    menu.addEventListener("keydown", moveInMenu);
    menu.addEventListener("focusout", (event) => {  // Tab left the menu: it closes
      const next = event.relatedTarget;  // null on a click (Safari): the click handler decides
      if (next && !menu.contains(next) && next !== trigger) closeMenu();
    });
    trigger.setAttribute("aria-expanded", "true");
    trigger.closest(".msg")?.classList.add("menu-open");
    openMenu = { menu, trigger };
    menu.querySelector("button")?.focus();
  }, { "aria-label": label, title: label, "aria-haspopup": "menu", "aria-expanded": "false",
       class: "icon" });
  return trigger;
}

function moveInMenu(event) {
  const items = [...event.currentTarget.querySelectorAll("button")];
  const step = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1 }[event.key];
  if (!step) return;
  event.preventDefault();
  const at = items.indexOf(document.activeElement);
  items[(at + step + items.length) % items.length].focus();
}

document.addEventListener("click", (event) => {
  if (openMenu && !openMenu.menu.contains(event.target)) closeMenu();
});
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && openMenu) { event.preventDefault(); closeMenu(true); }
});

// --- messages ---------------------------------------------------------------------------------

function react(m, name, remove) {
  return api("/sandbox/react", { channel: ui.channel, ts: m.ts, name, remove },
             m.thread_ts && m.thread_ts !== m.ts ? $("reply-error") : $("error"));
}

function reactionsNode(m) {
  const row = el("div", { class: "reactions" });
  for (const r of m.reactions || []) {
    const face = REACTIONS[r.name] || `:${r.name}:`;
    const who = r.users?.length ? r.users.join(", ") : `${r.count} people`;
    row.append(button(`${face} ${r.count}`, () => react(m, r.name, r.mine), {
      class: "reaction" + (r.mine ? " mine" : ""), "aria-pressed": r.mine ? "true" : "false",
      "data-reaction": r.name, title: `${who} reacted with :${r.name}:` }));
  }
  return row;
}

function toolbar(m, where) {
  const bar = el("div", { class: "toolbar" });
  bar.append(menuButton("Add reaction", "☺+", () => Object.entries(REACTIONS).map(
    ([name, face]) => ({ text: face, run: () => react(m, name, false),
                         attrs: { "aria-label": `:${name}:`, title: `:${name}:`,
                                  "data-reaction": name } }))));
  bar.append(menuButton("More actions", "⋯", () => {
    const items = [{ text: "I saw good leadership", run: () => api(
      "/sandbox/shortcut", { channel: ui.channel, ts: m.ts }, where) }];
    if (m.mine) {
      items.push({ text: "Edit message", run: () => startEditing(m) });
      items.push({ text: "Delete message…", run: () => confirmDelete(m, where) });
    }
    return items;
  }));
  return bar;
}

function messageNode(m, inThread) {
  const editing = ui.editing?.ts === m.ts;
  const node = el("div", { class: "msg" + (m.ephemeral ? " ephemeral" : ""), "data-ts": m.ts });
  node.key = messageKey(m);
  const content = el("div", { class: "content" });
  const head = el("div", { class: "head" });
  head.append(el("span", { class: "who" }, m.author || "someone"), timeNode(m.ts));
  if (m.ephemeral) head.append(el("span", { class: "only" }, "Only visible to you"));
  if (m.edited) head.append(el("span", { class: "only" }, "(edited)"));
  content.append(head);
  const where = inThread ? $("reply-error") : $("error");
  if (editing) {
    content.append(editor(m, where));
  } else {
    const body = el("div", { class: "body" });
    body.innerHTML = m.html;  // rendered and escaped by the server
    content.append(body);
  }
  if (!m.ephemeral) content.append(reactionsNode(m));
  if (!inThread && !m.ephemeral && ui.tab === "channel") {
    const label = m.replies ? `${m.replies} repl${m.replies === 1 ? "y" : "ies"}` : "Reply";
    const links = el("div", { class: "links" });
    links.append(button(label, () => openThread(m.ts), { class: "link" }));
    content.append(links);
  }
  node.append(avatar(m), content);
  if (!m.ephemeral && !editing) node.append(toolbar(m, where));
  return node;
}

function messageKey(m) {
  return JSON.stringify([m, ui.me, ui.tab, ui.editing?.ts === m.ts]);
}

// Put `items` in `list` as message nodes, keeping the nodes whose message did not change (an
// open menu, the focus and what is being typed survive the page's frequent refreshes).
function showMessages(list, items, inThread) {
  const old = new Map([...list.children].map((node) => [node.key, node]));
  const nodes = items.map((m) => old.get(messageKey(m)) || messageNode(m, inThread));
  nodes.forEach((node, i) => {
    if (list.children[i] !== node) list.insertBefore(node, list.children[i] || null);
  });
  while (list.children.length > nodes.length) list.lastElementChild.remove();
  if (openMenu && !openMenu.menu.isConnected) openMenu = null;
}

function editor(m, where) {
  const form = el("form", { class: "edit" });
  const area = el("textarea", { "aria-label": "Edit message", rows: "3" });
  area.value = ui.editing.text;
  area.addEventListener("input", () => { ui.editing.text = area.value; });
  area.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
    if (event.key === "Escape") { event.preventDefault(); stopEditing(); }
  });
  const buttons = el("div", { class: "edit-buttons" });
  buttons.append(button("Cancel", stopEditing), el("button", { class: "primary" }, "Save"));
  form.append(area, buttons);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = area.value.trim();
    if (!text) {
      where.textContent = "Write something, or delete the message instead.";
      return;
    }
    const result = await api("/sandbox/edit", { channel: ui.channel, ts: m.ts, text }, where);
    if (result.ok !== false && !result.error) stopEditing();
  });
  setTimeout(() => { if (area.isConnected && !form.contains(document.activeElement)) {
    area.focus();
    area.setSelectionRange(area.value.length, area.value.length);
  } });
  return form;
}

function startEditing(m) {
  ui.editing = { ts: m.ts, text: m.text };
  draw();
}

function stopEditing() {
  ui.editing = null;
  draw();
}

function confirmDelete(m, where) {
  const dialog = $("confirm");
  dialog.returnValue = "";
  dialog.onclose = () => {
    if (dialog.returnValue === "delete") {
      api("/sandbox/delete", { channel: ui.channel, ts: m.ts }, where);
    }
  };
  dialog.showModal();
}

// --- the page's state -------------------------------------------------------------------------

let latest = 0;
async function refresh() {
  const asked = ++latest;
  const { data: state } = await getJSON("/sandbox/state", { as: ui.me, channel: ui.channel });
  if (!state) return false;
  $("offline").hidden = true;
  if (asked !== latest) return true;  // a newer refresh is on its way
  ui.state = state;
  ui.me = state.me;
  ui.channel = state.channel;
  draw();
  showModal(state.modal);
  if (ui.thread) loadThread();
  return true;
}

function draw() {
  const state = ui.state;
  if (!state) return;
  const me = $("me");
  if (me.options.length !== state.people.length) {
    me.replaceChildren(...state.people.map((p) => el("option", { value: p.id }, p.name)));
  }
  me.value = ui.me;
  $("clock").textContent = state.now;
  $("channels").replaceChildren(...state.channels.map((c) => {
    const node = button(c.name, () => {
      ui.tab = "channel"; ui.channel = c.id; closeThread(); showMenu(false); refresh();
    });
    if (ui.tab === "channel" && c.id === state.channel) {
      node.classList.add("current");
      node.setAttribute("aria-current", "page");
    }
    return node;
  }));
  $("home-tab").classList.toggle("current", ui.tab === "home");
  const onHome = ui.tab === "home";
  $("messages").hidden = onHome;
  $("composer").hidden = onHome;  // on Home there is no channel to post to
  $("home").hidden = !onHome;
  if (onHome) {
    $("title").textContent = "Home";
    const html = state.home ? state.home.html : "<p>Opening your Home tab…</p>";
    if ($("home").shownHtml !== html) {  // keep what the person is choosing
      const view = el("div", { "data-view-id": state.home ? state.home.id : "" });
      view.innerHTML = html;
      $("home").replaceChildren(view);
      $("home").shownHtml = html;
    }
  } else {
    const channel = state.channels.find((c) => c.id === state.channel);
    $("title").textContent = channel ? channel.name : "";
    const list = $("messages");
    const atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 30;
    showMessages(list, state.messages, false);
    if (atBottom) list.scrollTop = list.scrollHeight;
  }
  drawThread();
}

// --- the thread -------------------------------------------------------------------------------

function openThread(ts) {
  ui.thread = ts;
  ui.threadData = null;
  $("thread-parent").replaceChildren();
  $("thread-replies").replaceChildren();
  $("reply-error").textContent = "";
  loadThread().then(() => {  // a phone would open its keyboard over the thread: not there
    if (!$("thread").hidden && !NARROW.matches) $("reply-text").focus();
  });
}

function closeThread() {
  ui.thread = null;
  ui.threadData = null;
  $("thread").hidden = true;
}

async function loadThread() {
  const ts = ui.thread;
  const { status, data } = await getJSON("/sandbox/thread",
                                         { as: ui.me, channel: ui.channel, ts });
  if (ts !== ui.thread || status === 0) return;
  if (!data) { closeThread(); return; }  // the message is gone
  ui.threadData = data;
  drawThread();
}

function drawThread() {
  const data = ui.threadData;
  $("thread").hidden = !data;
  if (!data) return;
  showMessages($("thread-parent"), [data.parent], true);
  const list = $("thread-replies");
  const scroller = $("thread-messages");
  const atBottom = scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 30;
  showMessages(list, data.replies, true);
  if (atBottom) scroller.scrollTop = scroller.scrollHeight;
}

// --- forms (modals) ---------------------------------------------------------------------------

let shownModal = null;
const closedHere = new Set();  // forms the person closed (the server may not know it yet)
function showModal(modal) {
  const dialog = $("modal");
  if (!modal || closedHere.has(modal.id)) {
    shownModal = null;  // before close(): the server closed it, not the person
    if (dialog.open) dialog.close();
    return;
  }
  if (shownModal === modal.id + modal.html) return;  // keep what the person is typing
  shownModal = modal.id + modal.html;
  $("modal-title").textContent = modal.title;
  $("modal-body").innerHTML = modal.html;
  $("modal-body").firstElementChild?.setAttribute("data-view-id", modal.id);
  $("modal-submit").textContent = modal.submit || "";
  $("modal-submit").hidden = !modal.submit;
  $("modal-close").textContent = modal.close || "Close";
  dialog.dataset.viewId = modal.id;
  if (!dialog.open) dialog.showModal();
  updateCounters();
}

function formValues(root) {
  const values = {};
  for (const input of root.querySelectorAll("[data-action-id]")) {
    const key = `${input.dataset.blockId}/${input.dataset.actionId}`;
    if (input.tagName === "FIELDSET") {  // radio buttons or checkboxes
      const picked = [...input.querySelectorAll("input:checked")].map((box) => box.value);
      values[key] = input.dataset.type === "checkboxes" ? picked : (picked[0] || "");
    } else values[key] = input.value;
  }
  return values;
}

function updateCounters() {
  for (const field of $("modal-body").querySelectorAll("[maxlength]")) {
    const counter = field.parentElement.querySelector(".counter");
    if (counter) counter.textContent = `${field.value.length}/${field.maxLength}`;
  }
}

$("modal-submit").addEventListener("click", async () => {
  const viewId = $("modal").dataset.viewId;
  for (const node of $("modal-body").querySelectorAll("[data-error-for]")) node.textContent = "";
  const result = await api("/sandbox/submit", { view_id: viewId,
                                                values: formValues($("modal-body")) });
  if (result.errors) {
    for (const [block, message] of Object.entries(result.errors)) {
      const node = $("modal-body").querySelector(`[data-error-for="${CSS.escape(block)}"]`);
      if (node) node.textContent = message;
    }
    return;
  }
  shownModal = "submitted";  // shown again from the next state, even if unchanged
  refresh();
});

// Close and Esc both close the form for good: the server is told, so it stays closed.
$("modal-close").addEventListener("click", () => $("modal").close());
$("modal").addEventListener("close", () => {
  if (shownModal === null) return;
  shownModal = null;
  closedHere.add($("modal").dataset.viewId);
  api("/sandbox/close", { view_id: $("modal").dataset.viewId });
});
$("modal-body").addEventListener("input", updateCounters);

// interactive elements in messages, the Home tab and modals
function actionData(node) {
  const view = node.closest("[data-view-id]");
  const data = { action_id: node.dataset.actionId, block_id: node.dataset.blockId,
                 type: node.dataset.type, value: node.dataset.value ?? node.value,
                 text: node.textContent };
  if (view && view.dataset.viewId) data.view_id = view.dataset.viewId;
  else Object.assign(data, { channel: node.dataset.channel || ui.channel, ts: node.dataset.ts,
                             ephemeral: node.dataset.ephemeral === "1" });
  return data;
}
document.addEventListener("click", (event) => {
  const node = event.target.closest("button[data-action-id]");
  if (node) api("/sandbox/action", actionData(node));
});
document.addEventListener("change", (event) => {
  const node = event.target;
  if (node.matches("select[data-action-id], input[data-action-id]")
      && !node.closest("#modal-body .block-input")) {
    api("/sandbox/action", actionData(node));
  }
});

// --- composing --------------------------------------------------------------------------------

$("composer").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("text").value;
  $("text").value = "";
  await api("/sandbox/send", { channel: ui.channel, text });
});
$("reply").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("reply-text").value;
  $("reply-text").value = "";
  await api("/sandbox/send", { channel: ui.channel, text, thread_ts: ui.thread },
            $("reply-error"));
});

// --- navigation -------------------------------------------------------------------------------

function showMenu(open) {
  document.body.classList.toggle("menu-open", open);
  $("menu").setAttribute("aria-expanded", String(open));
  $("scrim").hidden = !open;
}
$("menu").addEventListener("click", () => {
  const open = !document.body.classList.contains("menu-open");
  showMenu(open);
  if (open) $("sidebar").querySelector(".current, button")?.focus();
});
$("scrim").addEventListener("click", () => showMenu(false));
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && document.body.classList.contains("menu-open")) {
    showMenu(false);
    $("menu").focus();
  }
});
NARROW.addEventListener("change", () => showMenu(false));

$("close-thread").addEventListener("click", closeThread);
$("me").addEventListener("change", () => {
  ui.me = $("me").value;
  ui.editing = null;
  localStorage.setItem("me", ui.me);
  if (ui.tab === "home") api("/sandbox/home", {});
  refresh();
});
$("home-tab").addEventListener("click", () => {
  ui.tab = "home";
  closeThread();
  showMenu(false);
  api("/sandbox/home", {});
  refresh();
});
for (const node of document.querySelectorAll("[data-time]")) {
  node.addEventListener("click", () => api("/sandbox/time", { what: node.dataset.time,
                                                             channel: ui.channel }));
}

connect();
refresh();
