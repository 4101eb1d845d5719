// What this browser keeps between pages for whoever is signed in, and when it lets go.
(function () {
  "use strict";
  var DRAFTS = "tg:draft:";  // editor.js: code typed on a trial page, per candidate
  var RETURN = "tg:return";  // the page a form was sent from
  var signOut = document.querySelector("form.signout");

  // Signing out on a shared computer leaves no one's code behind for the next person.
  if (signOut) {
    signOut.addEventListener("submit", function () {
      each(local(), function (store) {
        for (var i = store.length - 1; i >= 0; i--) {
          var key = store.key(i);
          if (key && key.indexOf(DRAFTS) === 0) store.removeItem(key);
        }
      });
      each(session(), function (store) { store.removeItem(RETURN); });
    });
  }

  // A form sent after the session ended is answered with the sign-in page, without `next`:
  // the form's own address takes POSTs only. Forms that say where they live (data-return)
  // are remembered as they are sent, so signing in again comes back to that page.
  // The server still accepts only a local path as `next`.
  document.addEventListener("submit", function (e) {
    var target = e.target && e.target.dataset ? e.target.dataset.return : "";
    if (target) each(session(), function (store) { store.setItem(RETURN, target); });
  });
  each(session(), function (store) {
    if (signOut) { store.removeItem(RETURN); return; }  // signed in: the form went through
    var next = document.querySelector("form[action='/sign-in'] input[name='next']");
    var back = store.getItem(RETURN);
    if (next && !next.value && back && /^\/(?![\/\\])/.test(back)) next.value = back;
  });

  function each(store, act) {
    if (!store) return;
    try { act(store); } catch (e) { /* storage refused: nothing kept, nothing to clear */ }
  }
  function local() { try { return window.localStorage; } catch (e) { return null; } }
  function session() { try { return window.sessionStorage; } catch (e) { return null; } }
})();
