// SPDX-License-Identifier: MPL-2.0
// Suggest mode: what one types is marked as proposed (suggestionInsert) and what one deletes is
// marked for removal (suggestionDelete) instead of disappearing. The marks live in the Y document
// like bold or italic, so everyone sees them at once; accepting or rejecting one is a request to
// the server (civicloop/authoring/ydoc.py, resolve_suggestion), which edits the text and sends
// the change back over the socket.
import { Mark } from "@tiptap/core";
import { Plugin, PluginKey, TextSelection } from "@tiptap/pm/state";
import { ySyncPluginKey } from "@tiptap/y-tiptap";

export const INSERT = "suggestionInsert";
export const DELETE = "suggestionDelete";
const SUGGEST = new PluginKey("suggest");

function newId() {
  const bytes = new Uint8Array(8);
  crypto.getRandomValues(bytes);
  return "s" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function suggestionMark(name, tag, modifier) {
  return Mark.create({
    name,
    inclusive: false, // excludes stays the default (itself): y-tiptap then keys the mark by its bare name, which ydoc.py reads
    addAttributes() {
      return {
        id: { default: null, parseHTML: (el) => el.dataset.suggestion, renderHTML: (a) => ({ "data-suggestion": a.id }) },
        author: { default: "", parseHTML: (el) => el.dataset.author, renderHTML: (a) => ({ "data-author": a.author }) },
      };
    },
    parseHTML() {
      return [{ tag: `${tag}[data-suggestion]` }];
    },
    renderHTML({ HTMLAttributes }) {
      return [tag, { ...HTMLAttributes, class: `authoring-suggestion authoring-suggestion--${modifier}` }, 0];
    },
  });
}

export const SuggestionInsert = suggestionMark(INSERT, "ins", "insert");
export const SuggestionDelete = suggestionMark(DELETE, "del", "delete");

// The id to use at `pos`: the one of my own suggestion of this kind right beside it, so a word
// typed or deleted letter by letter is one suggestion, not one per letter.
function adjacentId(doc, pos, name, author) {
  const $pos = doc.resolve(pos);
  for (const node of [$pos.nodeBefore, $pos.nodeAfter]) {
    const mark = node && node.marks.find((m) => m.type.name === name && m.attrs.author === author);
    if (mark) return mark.attrs.id;
  }
  return newId();
}

// Mark [from, to) for removal; my own proposed words in it are simply taken out.
function markDeleted(tr, from, to, author) {
  const schema = tr.doc.type.schema;
  const own = [];
  const id = adjacentId(tr.doc, from, DELETE, author);
  tr.doc.nodesBetween(from, to, (node, pos) => {
    if (!node.isText) return;
    const start = Math.max(from, pos);
    const end = Math.min(to, pos + node.nodeSize);
    const insert = node.marks.find((m) => m.type.name === INSERT);
    if (insert && insert.attrs.author === author) own.push([start, end]);
    else if (!node.marks.some((m) => m.type.name === DELETE)) {
      tr.addMark(start, end, schema.marks[DELETE].create({ id, author }));
    }
  });
  for (const [start, end] of own.reverse()) tr.delete(start, end);
  return tr;
}

function insertSuggested(state, from, to, text, author) {
  const tr = state.tr;
  if (to > from) markDeleted(tr, from, to, author);
  const at = tr.mapping.map(to);
  const id = adjacentId(tr.doc, at, INSERT, author);
  const kept = tr.doc.resolve(at).marks().filter((m) => m.type.name !== INSERT && m.type.name !== DELETE);
  const mark = state.schema.marks[INSERT].create({ id, author });
  tr.insert(at, state.schema.text(text, [...kept, mark]));
  tr.setSelection(TextSelection.create(tr.doc, at + text.length));
  return tr.setMeta(SUGGEST, true);
}

function deleteSuggested(state, backwards, author) {
  let { from, to, empty, $from } = state.selection;
  if (empty) {
    if (backwards ? $from.parentOffset === 0 : $from.parentOffset === $from.parent.content.size) return null;
    if (backwards) from -= 1;
    else to += 1;
  }
  const tr = markDeleted(state.tr, from, to, author);
  const cursor = backwards ? tr.mapping.map(from, -1) : tr.mapping.map(to);
  tr.setSelection(TextSelection.create(tr.doc, cursor));
  return tr.setMeta(SUGGEST, true);
}

// The plugin; `mode()` says whether suggest mode is on, `author` is the name on the marks.
export function suggestPlugin(mode, author) {
  return new Plugin({
    key: SUGGEST,
    props: {
      handleTextInput(view, from, to, text) {
        if (!mode()) return false;
        view.dispatch(insertSuggested(view.state, from, to, text, author));
        return true;
      },
      handleKeyDown(view, event) {
        if (!mode()) return false;
        if (event.key === "Backspace" || event.key === "Delete") {
          const tr = deleteSuggested(view.state, event.key === "Backspace", author);
          if (tr) view.dispatch(tr);
          return true;
        }
        return event.key === "Enter"; // a new paragraph is not a suggestion this editor can make
      },
      handlePaste(view, event) {
        if (!mode()) return false;
        const text = (event.clipboardData && event.clipboardData.getData("text/plain")) || "";
        const { from, to } = view.state.selection;
        if (text) view.dispatch(insertSuggested(view.state, from, to, text.replace(/\s*\n\s*/g, " "), author));
        return true;
      },
      handleDrop: () => mode(),
    },
    // Text that arrived another way (an input method's composition) is marked as proposed too.
    appendTransaction(transactions, _old, state) {
      if (!mode()) return null;
      const ranges = [];
      for (const tr of transactions) {
        if (!tr.docChanged || tr.getMeta(SUGGEST) || tr.getMeta(ySyncPluginKey)) continue;
        tr.mapping.maps.forEach((map, index) => {
          map.forEach((_oldStart, _oldEnd, newStart, newEnd) => {
            if (newEnd <= newStart) return;
            const rest = tr.mapping.slice(index + 1);
            ranges.push([rest.map(newStart, -1), rest.map(newEnd, 1)]);
          });
        });
      }
      if (!ranges.length) return null;
      const tr = state.tr.setMeta(SUGGEST, true);
      for (const [from, to] of ranges) {
        const end = Math.min(to, state.doc.content.size);
        const id = adjacentId(state.doc, from, INSERT, author);
        state.doc.nodesBetween(from, end, (node, pos) => {
          if (node.isText && !node.marks.some((m) => m.type.name === INSERT)) {
            tr.addMark(Math.max(from, pos), Math.min(end, pos + node.nodeSize), state.schema.marks[INSERT].create({ id, author }));
          }
        });
      }
      return tr.docChanged ? tr : null;
    },
  });
}

// Open suggestions in the order of the text: [{id, kind, author, text}].
export function listSuggestions(doc) {
  const found = new Map();
  doc.descendants((node) => {
    if (!node.isText) return;
    for (const mark of node.marks) {
      if (mark.type.name !== INSERT && mark.type.name !== DELETE) continue;
      const entry = found.get(mark.attrs.id) || { id: mark.attrs.id, kind: mark.type.name, author: mark.attrs.author, text: "" };
      entry.text += node.text;
      found.set(mark.attrs.id, entry);
    }
  });
  return [...found.values()];
}
