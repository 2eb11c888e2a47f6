// SPDX-License-Identifier: MPL-2.0
// Staff chat, live: a websocket when it connects, else polling the JSON endpoint. The page works
// without this file (forms post, pages reload). Messages are data: text goes in with textContent.
(() => {
  const root = document.querySelector("[data-chat]");
  if (!root) return;
  const ZERO = "00000000-0000-0000-0000-000000000000";
  const list = root.querySelector("[data-chat-messages]");
  const status = root.querySelector("[data-chat-status]");
  const skeleton = document.getElementById("chat-message-template");
  const thread = root.dataset.thread || null;
  let seq = Number(root.dataset.seq) || 0;
  let socket = null;
  let pollTimer = null;

  const belongs = (m) => (thread ? m.public_id === thread || m.parent === thread : !m.parent);

  // Messages that arrived over the websocket are read once shown on a visible page: tell the
  // server (the poll endpoint marks them itself), so the channel list's unread counts keep up.
  const unread = new Set();
  let readTimer = null;

  function sendRead() {
    if (!unread.size || document.visibilityState !== "visible") return;
    const body = new FormData();
    unread.forEach((id) => body.append("message", id));
    unread.clear();
    fetch(root.dataset.read, {
      method: "POST",
      body,
      headers: { "X-CSRFToken": root.dataset.csrf, "X-Requested-With": "fetch" },
    }).catch(() => {
      /* offline for a moment: the next page load marks them */
    });
  }

  function seenLive(m) {
    if (!belongs(m) || m.author_id === root.dataset.me) return;
    unread.add(m.public_id);
    clearTimeout(readTimer);
    readTimer = setTimeout(sendRead, 500);
  }

  document.addEventListener("visibilitychange", sendRead);

  function fill(item, m) {
    item.id = "m-" + m.public_id;
    item.dataset.seq = m.seq;
    item.querySelectorAll("[href], [action]").forEach((el) => {
      for (const attr of ["href", "action"]) {
        const value = el.getAttribute(attr);
        if (value && value.includes(ZERO)) el.setAttribute(attr, value.replace(ZERO, m.public_id));
      }
    });
    const slot = (name) => item.querySelector(`[data-slot="${name}"]`);
    slot("author").textContent = m.author;
    slot("time").textContent = m.time;
    slot("time").setAttribute("datetime", m.created_at);
    slot("edited").hidden = !m.edited;
    slot("pinned").hidden = !m.pinned;
    item.classList.toggle("chat-message--deleted", m.deleted);
    slot("body").textContent = m.deleted ? root.dataset.deletedText || "—" : m.body;
    slot("actions").hidden = m.deleted;
    if (slot("replies")) slot("replies").textContent = m.replies;
    const files = slot("files");
    if (files) {
      files.replaceChildren(
        ...(m.files || []).map((f) => {
          const li = document.createElement("li");
          const a = document.createElement("a");
          a.href = f.url;
          a.download = "";
          a.textContent = f.name;
          const about = document.createElement("span");
          about.className = "caption";
          about.textContent = ` ${f.tier} · ${Math.max(1, Math.round(f.size / 1024))} KB`;
          li.append(a, about);
          return li;
        }),
      );
      files.hidden = m.deleted || !(m.files || []).length;
    }
    if (slot("mine")) slot("mine").hidden = m.author_id !== root.dataset.me;
    if (slot("pin") && m.parent) slot("pin").hidden = true;
    item.querySelectorAll("[data-code]").forEach((button) => {
      button.querySelector("[data-count]").textContent = m.reactions[button.dataset.code] || "";
    });
  }

  function show(m) {
    seq = Math.max(seq, m.seq);
    if (!belongs(m)) return;
    let item = document.getElementById("m-" + m.public_id);
    // Announcements of two commits may arrive overtaken: an older change never undoes a newer one.
    if (item && Number(item.dataset.seq) >= m.seq) return;
    if (!item) {
      item = skeleton.content.firstElementChild.cloneNode(true);
      item.classList.add("chat-message--new");
      list.append(item);
      root.querySelector("[data-chat-empty]")?.remove();
    }
    fill(item, m);
  }

  async function poll() {
    try {
      const response = await fetch(`${root.dataset.poll}?after=${seq}`, { headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const data = await response.json();
      data.messages.forEach(show);
      if (data.more) return poll();
    } catch (error) {
      /* offline for a moment: the next poll catches up */
    }
  }

  function startPolling() {
    if (!pollTimer) pollTimer = setInterval(poll, 3000);
  }

  function connect() {
    if (!("WebSocket" in window)) return startPolling();
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(`${scheme}//${location.host}${root.dataset.ws}?after=${seq}`);
    socket.addEventListener("open", () => {
      clearInterval(pollTimer);
      pollTimer = null;
      root.dataset.live = "websocket";
    });
    socket.addEventListener("message", (event) => {
      const data = JSON.parse(event.data);
      if (data.type === "message") {
        // A change number skipped: the live announcement was lost (the layer delivers at most
        // once). Ask the socket for everything after the last one seen; it reads the database.
        if (data.message.seq > seq + 1) socket.send(JSON.stringify({ after: seq }));
        show(data.message);
        seenLive(data.message);
      }
    });
    socket.addEventListener("close", () => {
      root.dataset.live = "polling";
      startPolling();
      setTimeout(connect, 10000); // try the socket again; it resumes from the last change seen
    });
  }

  // Sending without leaving the page; the message comes back through the socket or the poll.
  root.querySelector("[data-chat-form]")?.addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const response = await fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "X-Requested-With": "fetch", Accept: "application/json" },
    });
    const data = await response.json().catch(() => ({}));
    if (response.status === 201) {
      form.reset();
      show(data);
      status.textContent = "";
    } else {
      status.textContent = data.detail || response.statusText;
    }
  });

  root.dataset.live = "polling";
  connect();
})();
