// SPDX-License-Identifier: MPL-2.0
// Comments anchored to the text. A thread keeps its place by two Yjs relative positions (taken
// from the Y XML fragment through y-tiptap's mapping), so it stays on its words while others
// type before or inside them. The threads are read from and written to the server as JSON
// (civicloop/authoring/views.py); the socket only says when to read them again.
import { Extension } from "@tiptap/core";
import { Plugin, PluginKey } from "@tiptap/pm/state";
import { Decoration, DecorationSet } from "@tiptap/pm/view";
import { absolutePositionToRelativePosition, relativePositionToAbsolutePosition, ySyncPluginKey } from "@tiptap/y-tiptap";
import * as Y from "yjs";

const COMMENTS = new PluginKey("comments");

const toBase64 = (bytes) => btoa(String.fromCharCode(...bytes));
const fromBase64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

function binding(state) {
  const sync = ySyncPluginKey.getState(state);
  return sync && sync.binding;
}

// The thread's range in the current text, or null when its words are gone.
function rangeOf(state, ydoc, thread) {
  const b = binding(state);
  if (!b || !thread.anchor_start) return null;
  const fragment = ydoc.getXmlFragment("default");
  const start = relativePositionToAbsolutePosition(ydoc, fragment, Y.decodeRelativePosition(fromBase64(thread.anchor_start)), b.mapping);
  const end = relativePositionToAbsolutePosition(ydoc, fragment, Y.decodeRelativePosition(fromBase64(thread.anchor_end)), b.mapping);
  return start !== null && end !== null && end > start ? { from: start, to: end } : null;
}

export const CommentHighlights = Extension.create({
  name: "commentHighlights",
  addOptions() {
    return { ydoc: null, threads: () => [], active: () => null };
  },
  addProseMirrorPlugins() {
    const { ydoc, threads, active } = this.options;
    return [
      new Plugin({
        key: COMMENTS,
        props: {
          decorations(state) {
            const marks = [];
            for (const thread of threads()) {
              if (thread.resolved) continue;
              const range = rangeOf(state, ydoc, thread);
              if (!range) continue;
              const current = active() === thread.id ? " authoring-comment-anchor--active" : "";
              marks.push(Decoration.inline(range.from, range.to, { class: `authoring-comment-anchor${current}`, "data-comment": thread.id }));
            }
            return DecorationSet.create(state.doc, marks);
          },
        },
      }),
    ];
  },
});

// The chosen words as two encoded relative positions and their text, or null if nothing is chosen.
export function anchorSelection(editor, ydoc) {
  const { state, view } = editor;
  let { from, to } = state.selection;
  if (from === to) {
    // A read-only editor has no ProseMirror selection of its own: take the page's.
    const dom = window.getSelection();
    if (!dom || dom.isCollapsed || !view.dom.contains(dom.anchorNode)) return null;
    const a = view.posAtDOM(dom.anchorNode, dom.anchorOffset);
    const b = view.posAtDOM(dom.focusNode, dom.focusOffset);
    [from, to] = [Math.min(a, b), Math.max(a, b)];
    if (from === to) return null;
  }
  const b = binding(state);
  if (!b) return null;
  const fragment = ydoc.getXmlFragment("default");
  const encode = (pos) => toBase64(Y.encodeRelativePosition(absolutePositionToRelativePosition(pos, fragment, b.mapping)));
  return { anchor_start: encode(from), anchor_end: encode(to), quote: state.doc.textBetween(from, to, " ").slice(0, 500) };
}
