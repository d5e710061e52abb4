// The sandbox page: shows the workspace as the chosen person sees it and sends what they do.
// Messages, views and the Home tab arrive as HTML rendered (and escaped) by the server from
// the bot's Block Kit; interactive elements carry data-* attributes this script posts back.
"use strict";

const $ = (id) => document.getElementById(id);
const ui = { me: localStorage.getItem("me") || "", channel: "", tab: "channel", thread: null,
             state: null };

async function api(path, body) {
  const response = await fetch(path, body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ as: ui.me, ...body }) });
  const data = await response.json();
  $("error").textContent = data.ok === false ? data.error : (data.error || "");
  if (data.note) $("note").textContent = data.note;
  return data;
}

function el(tag, attrs = {}, text = "") {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text) node.textContent = text;
  return node;
}

function messageNode(m, inThread) {
  const node = el("div", { class: "msg" + (m.ephemeral ? " ephemeral" : ""),
                           "data-ts": m.ts });
  const head = el("div");
  head.append(el("span", { class: "who" }, m.author || "someone"));
  if (m.ephemeral) head.append(el("span", { class: "only" }, "  Only visible to you"));
  if (m.edited) head.append(el("span", { class: "only" }, "  (edited)"));
  node.append(head);
  const body = el("div", { class: "body" });
  body.innerHTML = m.html;  // rendered and escaped by the server
  node.append(body);
  const tools = el("div", { class: "tools" });
  if (!inThread && !m.ephemeral && ui.tab === "channel") {
    const label = m.replies ? `${m.replies} repl${m.replies === 1 ? "y" : "ies"}` : "Reply";
    tools.append(button(label, () => openThread(m.ts)));
    tools.append(button("More actions: I saw good leadership",
                        () => api("/sandbox/shortcut", { channel: ui.channel, ts: m.ts })));
  }
  if (m.mine) {
    tools.append(button("Edit", () => {
      const text = prompt("Edit your message", m.text);
      if (text !== null) api("/sandbox/edit", { channel: ui.channel, ts: m.ts, text });
    }));
    tools.append(button("Delete", () => api("/sandbox/delete", { channel: ui.channel,
                                                                ts: m.ts })));
  }
  node.append(tools);
  return node;
}

function button(text, onClick) {
  const node = el("button", { type: "button" }, text);
  node.addEventListener("click", onClick);
  return node;
}

async function refresh() {
  const query = new URLSearchParams({ as: ui.me, channel: ui.channel });
  const state = await (await fetch("/sandbox/state?" + query)).json();
  ui.state = state;
  ui.me = state.me;
  ui.channel = state.channel;
  const me = $("me");
  if (me.options.length !== state.people.length) {
    me.replaceChildren(...state.people.map((p) => el("option", { value: p.id }, p.name)));
  }
  me.value = ui.me;
  $("clock").textContent = state.now;
  $("channels").replaceChildren(...state.channels.map((c) => {
    const node = button(c.name, () => { ui.tab = "channel"; ui.channel = c.id; ui.thread = null;
                                        refresh(); });
    if (ui.tab === "channel" && c.id === state.channel) node.classList.add("current");
    return node;
  }));
  $("home-tab").classList.toggle("current", ui.tab === "home");
  const onHome = ui.tab === "home";
  $("messages").hidden = onHome;
  $("composer").hidden = onHome;
  $("home").hidden = !onHome;
  if (onHome) {
    $("title").textContent = "Home";
    const view = el("div", { "data-view-id": state.home ? state.home.id : "" });
    view.innerHTML = state.home ? state.home.html : "<p>Opening your Home tab…</p>";
    $("home").replaceChildren(view);
  } else {
    const channel = state.channels.find((c) => c.id === state.channel);
    $("title").textContent = channel ? channel.name : "";
    const list = $("messages");
    const atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 30;
    list.replaceChildren(...state.messages.map((m) => messageNode(m, false)));
    if (atBottom) list.scrollTop = list.scrollHeight;
  }
  showModal(state.modal);
  if (ui.thread) loadThread();
}

async function openThread(ts) { ui.thread = ts; loadThread(); }

async function loadThread() {
  const query = new URLSearchParams({ as: ui.me, channel: ui.channel, ts: ui.thread });
  const response = await fetch("/sandbox/thread?" + query);
  if (!response.ok) { ui.thread = null; $("thread").hidden = true; return; }
  const data = await response.json();
  $("thread").hidden = false;
  $("thread-messages").replaceChildren(messageNode(data.parent, true), el("hr"),
                                       ...data.replies.map((m) => messageNode(m, true)));
}

let shownModal = null;
function showModal(modal) {
  const dialog = $("modal");
  if (!modal) { if (dialog.open) dialog.close(); shownModal = null; return; }
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
  shownModal = null;
  refresh();
});
$("modal-close").addEventListener("click", () => {
  api("/sandbox/close", { view_id: $("modal").dataset.viewId });
  $("modal").close();
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
  await api("/sandbox/send", { channel: ui.channel, text, thread_ts: ui.thread });
});
$("close-thread").addEventListener("click", () => { ui.thread = null; $("thread").hidden = true; });
$("me").addEventListener("change", () => {
  ui.me = $("me").value;
  localStorage.setItem("me", ui.me);
  if (ui.tab === "home") api("/sandbox/home", {});
  refresh();
});
$("home-tab").addEventListener("click", () => {
  ui.tab = "home"; ui.thread = null; $("thread").hidden = true;
  api("/sandbox/home", {});
  refresh();
});
for (const node of document.querySelectorAll("[data-time]")) {
  node.addEventListener("click", () => api("/sandbox/time", { what: node.dataset.time,
                                                             channel: ui.channel }));
}

const events = new EventSource("/sandbox/events");
events.onmessage = () => refresh();
events.onerror = () => setTimeout(refresh, 2000);
refresh();
