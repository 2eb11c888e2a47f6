// SPDX-License-Identifier: MPL-2.0
// The co-edited document editor: TipTap (ProseMirror) bound to a Yjs document, synced over the
// y-websocket protocol with /ws/documents/<id>/ (civicloop/authoring/consumers.py).
// Built by `make assets` into civicloop/authoring/static/authoring/editor.bundle.js. Runs under the
// site's Content-Security-Policy: no eval, no inline script or style (TipTap's injected CSS is off;
// the editor's styles are in authoring/editor.css).
import { Editor } from "@tiptap/core";
import StarterKit from "@tiptap/starter-kit";
import Collaboration from "@tiptap/extension-collaboration";
import * as Y from "yjs";
import * as encoding from "lib0/encoding";
import * as decoding from "lib0/decoding";
import * as syncProtocol from "y-protocols/sync";

const MESSAGE_SYNC = 0;
const REMOTE = "remote"; // the origin of changes that came from the server: never sent back

class SocketProvider {
  constructor(url, doc, onStatus) {
    this.url = url;
    this.doc = doc;
    this.onStatus = onStatus;
    this.retry = 0;
    this.closedForGood = false;
    this.doc.on("update", (update, origin) => {
      if (origin === REMOTE) return;
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, MESSAGE_SYNC);
      syncProtocol.writeUpdate(encoder, update);
      this.send(encoding.toUint8Array(encoder));
    });
    this.connect();
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
    };
    socket.onmessage = (event) => this.receive(new Uint8Array(event.data));
    socket.onclose = (event) => {
      if (event.code === 4403 || event.code === 4409 || event.code === 4404) {
        this.closedForGood = true;
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
    if (decoding.readVarUint(decoder) !== MESSAGE_SYNC) return;
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

function start(root) {
  const mount = root.querySelector("[data-editor-mount]");
  const status = root.querySelector("[data-editor-status]");
  const editable = root.dataset.editable === "true";
  const doc = new Y.Doc();
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  const url = `${scheme}//${window.location.host}${root.dataset.socketPath}`;
  const editor = new Editor({
    element: mount,
    editable,
    injectCSS: false,
    extensions: [StarterKit.configure({ undoRedo: false }), Collaboration.configure({ document: doc, field: "default" })],
    editorProps: { attributes: { class: "authoring-editor__text", "aria-label": root.dataset.label || "" } },
  });
  new SocketProvider(url, doc, (state) => {
    root.dataset.state = state;
    if (status) status.textContent = root.dataset[`label${state[0].toUpperCase()}${state.slice(1)}`] || state;
    if (state === "frozen" || state === "refused") editor.setEditable(false);
  });
}

document.querySelectorAll("[data-authoring-editor]").forEach(start);
