// The trial page's editor: CodeMirror over each starter file's textarea, and drafts kept in
// this browser as the candidate types. The textareas stay the form's fields: without
// JavaScript they are the editor, and CodeMirror writes its text back into them on submit.
// Without CodeMirror's files (a set-up that skipped them) drafts still work on the textareas.
(function () {
  "use strict";
  var form = document.getElementById("editor-form");
  if (!form) return;
  var store = storage();
  // Keyed by who is signed in, then trial and file: a shared browser never shows one
  // candidate's code to another (and signing out clears every draft; see session.js).
  var prefix = "tg:draft:" + (document.body.dataset.actor || "anonymous") + ":" +
    form.dataset.trial + ":";
  // Installed by Esc: false hands Tab to the browser, so focus moves on to the next field.
  var leave = {"Tab": false, "Shift-Tab": false};
  var files = Array.prototype.map.call(form.querySelectorAll("textarea[data-path]"), setUp);

  var hint = document.getElementById("editor-hint");
  if (hint && window.CodeMirror) hint.hidden = false;
  var discard = document.getElementById("discard-draft");
  var said = document.getElementById("draft-status");
  if (discard) {
    discard.hidden = false;
    discard.addEventListener("click", function () {
      files.forEach(function (file) { file.set(file.starter); forget(file.path); });
      if (said) said.textContent = "Draft discarded: the starter files are back." +
        (window.CodeMirror ? " Ctrl-Z (⌘-Z) in an editor brings your code back." : "");
    });
  }

  function setUp(area) {
    var path = area.dataset.path;
    // The page shows the starter, unless it answers a refused submission: then the textarea
    // holds the file as it was sent, the candidate's latest code (newer than anything kept
    // here, which another tab may have changed since), and data-starter the starter.
    var sent = area.hasAttribute("data-starter");
    var starter = sent ? area.dataset.starter : area.value;
    var kept = recall(path);
    if (sent) keep(path, area.value, starter);
    else if (kept !== null) area.value = kept;
    var file = {path: path, starter: starter};
    if (window.CodeMirror) {
      var cm = window.CodeMirror.fromTextArea(area, options(path));
      cm.on("changes", function () { keep(path, cm.getValue(), starter); });
      leaveWith(cm);
      area.labels.forEach(function (label) {
        label.addEventListener("click", function () { cm.focus(); });
      });
      file.set = function (text) { cm.setValue(text); };  // undoable, like any edit
    } else {
      area.addEventListener("input", function () { keep(path, area.value, starter); });
      file.set = function (text) { area.value = text; };
    }
    return file;
  }

  function options(path) {
    return {
      mode: /\.py$/.test(path) ? {name: "python", version: 3} : null,
      lineNumbers: true,
      lineWrapping: false,  // long lines scroll inside the editor, never wrap or widen the page
      indentUnit: 4,
      tabSize: 4,
      indentWithTabs: false,
      screenReaderLabel: path,
      spellcheck: false,
      autocorrect: false,
      autocapitalize: false,
      extraKeys: {
        "Tab": function (cm) {
          if (cm.somethingSelected()) cm.execCommand("indentMore");
          else cm.execCommand("insertSoftTab");
        },
        "Shift-Tab": "indentLess",
        // Keyboard users leave the editor with Esc, then Tab (or Shift-Tab): the hint says so.
        "Esc": function (cm) {
          cm.removeKeyMap(leave);
          cm.addKeyMap(leave);
          return window.CodeMirror.Pass;  // Esc keeps its usual meaning too
        }
      }
    };
  }

  // Any other key, or leaving the editor, ends the Esc window: Tab indents again.
  function leaveWith(cm) {
    cm.on("blur", function () { cm.removeKeyMap(leave); });
    cm.on("keydown", function (cm, e) {
      if (e.key !== "Escape" && e.key !== "Tab" && e.key !== "Shift") cm.removeKeyMap(leave);
    });
  }

  function recall(path) {
    if (!store) return null;
    try {
      var saved = JSON.parse(store.getItem(prefix + path) || "null");
      return saved && typeof saved.text === "string" ? saved.text : null;
    } catch (e) {
      return null;
    }
  }

  function keep(path, text, starter) {
    if (!store) return;
    if (text === starter) { forget(path); return; }
    try {
      store.setItem(prefix + path, JSON.stringify({text: text, saved: Date.now()}));
    } catch (e) { /* storage full or refused: the page still submits what is on screen */ }
  }

  function forget(path) {
    if (store) try { store.removeItem(prefix + path); } catch (e) { /* nothing kept */ }
  }

  function storage() {
    try {
      return window.localStorage;  // absent or refused in some private modes
    } catch (e) {
      return null;
    }
  }
})();
