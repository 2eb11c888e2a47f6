// SPDX-License-Identifier: MPL-2.0
// The co-edited document editor: TipTap (ProseMirror) bound to a Yjs document, synced over the
// y-websocket protocol with /ws/documents/<id>/ (civicloop/authoring/consumers.py), with presence
// (awareness: who is here and their carets), comments anchored to the text (comments.js) and a
// suggest mode (suggest.js).
// Built by `make assets` into civicloop/authoring/static/authoring/editor.bundle.js. Runs under the
// site's Content-Security-Policy: no eval, no inline script or style (TipTap's injected CSS is off;
// the editor's styles are built from assets/src/editor.css into authoring/editor.css). Carets are
// coloured through classes, never a style attribute.
import { Editor } from "@tiptap/core";
import StarterKit from "@tiptap/starter-kit";
import Collaboration from "@tiptap/extension-collaboration";
import CollaborationCaret from "@tiptap/extension-collaboration-caret";
import { Extension } from "@tiptap/core";
import * as Y from "yjs";
import * as encoding from "lib0/encoding";
import * as decoding from "lib0/decoding";
import * as syncProtocol from "y-protocols/sync";
import * as awarenessProtocol from "y-protocols/awareness";
import { CommentHighlights, anchorSelection } from "./comments.js";
import { SuggestionDelete, SuggestionInsert, suggestPlugin, listSuggestions, INSERT } from "./suggest.js";

const MESSAGE_SYNC = 0;
const MESSAGE_AWARENESS = 1;
const MESSAGE_COMMENTS = 100; // the server's own: the comments changed, fetch them again
const REMOTE = "remote"; // the origin of changes that came from the server: never sent back

class SocketProvider {
  constructor(url, doc, { onStatus, onComments }) {
    this.url = url;
    this.doc = doc;
    this.onStatus = onStatus;
    this.onComments = onComments;
    this.retry = 0;
    this.awareness = new awarenessProtocol.Awareness(doc);
    this.doc.on("update", (update, origin) => {
      if (origin === REMOTE) return;
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, MESSAGE_SYNC);
      syncProtocol.writeUpdate(encoder, update);
      this.send(encoding.toUint8Array(encoder));
    });
    this.awareness.on("update", ({ added, updated, removed }, origin) => {
      if (origin !== REMOTE) this.sendAwareness(added.concat(updated, removed));
    });
    window.addEventListener("pagehide", () => {
      awarenessProtocol.removeAwarenessStates(this.awareness, [doc.clientID], "window closed");
    });
    this.connect();
  }

  sendAwareness(clients) {
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MESSAGE_AWARENESS);
    encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients));
    this.send(encoding.toUint8Array(encoder));
  }

  connect() {
    const socket = new WebSocket(this.url);
    socket.binaryType = "arraybuffer";
    this.socket = socket;
    this.onStatus("connecting");
    socket.onopen = () => {
      this.retry = 0;
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, MESSAGE_SYNC);
      syncProtocol.writeSyncStep1(encoder, this.doc);
      socket.send(encoding.toUint8Array(encoder));
      if (this.awareness.getLocalState() !== null) this.sendAwareness([this.doc.clientID]);
    };
    socket.onmessage = (event) => this.receive(new Uint8Array(event.data));
    socket.onclose = (event) => {
      const others = [...this.awareness.getStates().keys()].filter((id) => id !== this.doc.clientID);
      awarenessProtocol.removeAwarenessStates(this.awareness, others, REMOTE);
      if (event.code === 4403 || event.code === 4409 || event.code === 4404) {
        this.onStatus(event.code === 4409 ? "frozen" : "refused");
        return;
      }
      this.onStatus("offline");
      const wait = Math.min(10000, 500 * 2 ** this.retry++);
      setTimeout(() => this.connect(), wait);
    };
  }

  receive(data) {
    const decoder = decoding.createDecoder(data);
    const type = decoding.readVarUint(decoder);
    if (type === MESSAGE_AWARENESS) {
      awarenessProtocol.applyAwarenessUpdate(this.awareness, decoding.readVarUint8Array(decoder), REMOTE);
      return;
    }
    if (type === MESSAGE_COMMENTS) {
      this.onComments();
      return;
    }
    if (type !== MESSAGE_SYNC) return;
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MESSAGE_SYNC);
    const kind = syncProtocol.readSyncMessage(decoder, encoder, this.doc, REMOTE);
    if (encoding.length(encoder) > 1) this.send(encoding.toUint8Array(encoder));
    if (kind === syncProtocol.messageYjsSyncStep2 || kind === syncProtocol.messageYjsUpdate) this.onStatus("synced");
  }

  send(bytes) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(bytes);
  }
}

function element(tag, { className, text, attrs } = {}, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

function caret(user) {
  const slot = Number.isInteger(user.slot) ? user.slot : 0;
  // The name is drawn by CSS (::after, attr(data-name)), so it is not part of the document's text.
  return element("span", { className: `authoring-caret authoring-caret--${slot}`, attrs: { "data-name": user.name || "" } });
}

async function post(url, fields, csrf) {
  const body = new URLSearchParams(fields);
  const response = await fetch(url, { method: "POST", body, headers: { "X-CSRFToken": csrf }, credentials: "same-origin" });
  return response.ok;
}

function start(root) {
  const label = (name) => root.dataset[`label${name}`] || name;
  const mount = root.querySelector("[data-editor-mount]");
  const status = root.querySelector("[data-editor-status]");
  const page = root.closest("[data-authoring-page]") || document;
  const csrf = (page.querySelector("[name=csrfmiddlewaretoken]") || {}).value || "";
  const me = root.dataset.me || "";
  const mayDecide = root.dataset.mayDecide === "true";
  let editable = root.dataset.editable === "true";
  let suggesting = false;
  let threads = [];
  let active = null;
  const doc = new Y.Doc();
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  const provider = new SocketProvider(`${scheme}//${window.location.host}${root.dataset.socketPath}`, doc, {
    onStatus: (state) => {
      root.dataset.state = state;
      if (status) status.textContent = label(`${state[0].toUpperCase()}${state.slice(1)}`);
      if (state === "frozen" || state === "refused") {
        editable = false;
        editor.setEditable(false);
      }
    },
    onComments: () => loadComments(),
  });
  const Suggest = Extension.create({ name: "suggestMode", addProseMirrorPlugins: () => [suggestPlugin(() => suggesting, me)] });
  const editor = new Editor({
    element: mount,
    editable,
    injectCSS: false,
    extensions: [
      StarterKit.configure({ undoRedo: false }),
      Collaboration.configure({ document: doc, field: "default" }),
      CollaborationCaret.configure({
        provider,
        user: { name: me, color: "#0017c1" },
        render: caret,
        selectionRender: (user) => ({ class: `authoring-selection authoring-selection--${Number.isInteger(user.slot) ? user.slot : 0}` }),
      }),
      SuggestionInsert,
      SuggestionDelete,
      Suggest,
      CommentHighlights.configure({ ydoc: doc, threads: () => threads, active: () => active }),
    ],
    editorProps: { attributes: { class: "authoring-editor__text", "aria-label": root.dataset.label || "" } },
  });
  const redraw = () => editor.view.dispatch(editor.state.tr.setMeta("authoring-redraw", true));

  // Presence: the people whose editors are open, each once, oneself first.
  const presenceList = page.querySelector("[data-presence-list]");
  const showPresence = () => {
    if (!presenceList) return;
    const people = new Map([[me, 0]]);
    provider.awareness.getStates().forEach((state, clientId) => {
      if (clientId !== doc.clientID && state && state.user && state.user.name) people.set(state.user.name, state.user.slot || 0);
    });
    presenceList.replaceChildren(
      ...[...people].map(([name, slot]) => element("li", { className: `authoring-person authoring-person--${slot}`, text: name })),
    );
    root.dataset.present = String(people.size);
  };
  provider.awareness.on("change", showPresence);
  showPresence();

  // Suggest mode and the list of open suggestions.
  const toggle = page.querySelector("[data-suggest-toggle]");
  if (toggle) {
    toggle.hidden = !editable;
    toggle.addEventListener("click", () => {
      suggesting = !suggesting;
      toggle.setAttribute("aria-pressed", String(suggesting));
      root.dataset.suggesting = String(suggesting);
    });
  }
  const suggestionList = page.querySelector("[data-suggestion-list]");
  const showSuggestions = () => {
    if (!suggestionList) return;
    const open = listSuggestions(editor.state.doc);
    suggestionList.closest("section").hidden = open.length === 0;
    suggestionList.replaceChildren(
      ...open.map((s) => {
        const kind = s.kind === INSERT ? label("Insert") : label("Delete");
        const item = element("li", { className: "authoring-suggestion-item", attrs: { "data-suggestion-item": s.id } },
          element("p", { className: "caption", text: `${kind} · ${s.author}` }),
          element(s.kind === INSERT ? "ins" : "del", { className: `authoring-suggestion authoring-suggestion--${s.kind === INSERT ? "insert" : "delete"}`, text: s.text }));
        if (mayDecide) {
          for (const [decision, text] of [["accept", label("Accept")], ["reject", label("Reject")]]) {
            const button = element("button", { className: "button button--small button--secondary", text, attrs: { type: "button", "data-action": decision } });
            button.addEventListener("click", () => post(`${root.dataset.documentUrl}suggestions/${s.id}/`, { decision }, csrf));
            item.append(button, " ");
          }
        }
        return item;
      }),
    );
  };
  let pending = false;
  editor.on("update", () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      showSuggestions();
    });
  });

  // Comments.
  const commentList = page.querySelector("[data-comment-list]");
  const commentForm = page.querySelector("[data-comment-form]");
  const hint = page.querySelector("[data-comment-hint]");
  async function loadComments() {
    const response = await fetch(`${root.dataset.documentUrl}comments.json`, { credentials: "same-origin" });
    if (!response.ok) return;
    threads = (await response.json()).threads;
    showComments();
    redraw();
  }
  function commentBody(comment) {
    return element("div", { className: "authoring-comment" },
      element("p", { className: "caption", text: `${comment.author} · ${comment.created_at}` }),
      element("p", { className: "authoring-comment__body", text: comment.body }));
  }
  function showComments() {
    if (!commentList) return;
    commentList.replaceChildren(
      ...threads.map((thread) => {
        const item = element("li", { className: `authoring-thread${thread.resolved ? " authoring-thread--resolved" : ""}`, attrs: { "data-thread": thread.id } });
        item.append(element("blockquote", { className: "authoring-thread__quote", text: thread.quote }), commentBody(thread));
        thread.replies.forEach((reply) => item.append(commentBody(reply)));
        if (thread.resolved) item.append(element("p", { className: "caption", text: label("Resolved") }));
        else {
          const field = element("input", { className: "input", attrs: { type: "text", maxlength: "2000", "aria-label": label("Reply"), "data-reply-body": "" } });
          const send = element("button", { className: "button button--small button--secondary", text: label("Reply"), attrs: { type: "button", "data-action": "reply" } });
          send.addEventListener("click", async () => {
            if (field.value.trim() && (await post(`${root.dataset.commentBase}${thread.id}/replies/`, { body: field.value }, csrf))) loadComments();
          });
          item.append(element("div", { className: "authoring-thread__reply" }, field, send));
        }
        if (thread.may_resolve) {
          const resolve = element("button", { className: "button button--small button--secondary", text: thread.resolved ? label("Reopen") : label("Resolve"), attrs: { type: "button", "data-action": thread.resolved ? "reopen" : "resolve" } });
          resolve.addEventListener("click", async () => {
            if (await post(`${root.dataset.commentBase}${thread.id}/resolve/`, thread.resolved ? {} : { resolved: "on" }, csrf)) loadComments();
          });
          item.append(resolve);
        }
        item.addEventListener("mouseenter", () => { active = thread.id; redraw(); });
        item.addEventListener("mouseleave", () => { active = null; redraw(); });
        return item;
      }),
    );
  }
  // The words chosen last: focusing the comment box takes the page's selection away from them.
  let lastAnchor = null;
  document.addEventListener("selectionchange", () => {
    const anchor = anchorSelection(editor, doc);
    if (anchor) lastAnchor = anchor;
  });
  if (commentForm) {
    commentForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const anchor = anchorSelection(editor, doc) || lastAnchor;
      const body = commentForm.querySelector("textarea");
      if (!anchor) {
        if (hint) hint.textContent = label("SelectFirst");
        return;
      }
      if (await post(`${root.dataset.documentUrl}comments/`, { ...anchor, body: body.value }, csrf)) {
        body.value = "";
        lastAnchor = null;
        if (hint) hint.textContent = "";
        loadComments();
      }
    });
  }
  loadComments();
}

document.querySelectorAll("[data-authoring-editor]").forEach(start);
