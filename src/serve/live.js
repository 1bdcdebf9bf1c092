/* The live preview's script, added by `serve` to the pages it serves (never written to
   output/). The server pushes each rebuild's status over server-sent events. For the next
   version the event lists the elements that changed, and only those are replaced; for
   any other (or when the server has no list) the new version is fetched whole and compared
   with the version shown, node by node. Either way the reader keeps their place and the
   browser redraws only what changed. When the page's head or one of its scripts changed,
   or nothing in the page did (a stylesheet did, say), the page reloads where the reader was. */
(function () {
  var me = document.currentScript;
  var version = me && me.hasAttribute("data-version") ? +me.getAttribute("data-version") : null;
  var built = false, error = null;
  var KEY = "__report_scroll";
  var kept = sessionStorage.getItem(KEY);
  if (kept !== null) {
    sessionStorage.removeItem(KEY);
    var xy = kept.split(",");
    window.scrollTo(+xy[0], +xy[1]);
  }
  function overlay(text) {
    var o = document.getElementById("__report_error");
    if (!text) { if (o) o.remove(); return; }
    if (!o) {
      o = document.createElement("pre");
      o.id = "__report_error";
      o.style.cssText = "position:fixed;left:1rem;right:1rem;bottom:1rem;max-height:55vh;z-index:9999;overflow:auto;margin:0;padding:1.2rem;background:#1e1e1e;color:#f3f3f3;font:14px/1.5 monospace;white-space:pre;border-left:6px solid #e5484d;box-shadow:0 4px 24px rgba(0,0,0,.4)";
      document.body.appendChild(o);
    }
    o.textContent = (built ? "构建失败（仍显示上一次成功的版本）" : "构建失败（尚无成功的版本）") + "\n\n" + text;
  }
  function reload() {
    sessionStorage.setItem(KEY, window.scrollX + "," + window.scrollY);
    location.reload();
  }

  /* A served page, parsed, with its version taken off this script's tag (so that two
     versions compare equal where they are). */
  function fetchPage() {
    return fetch(location.pathname, { cache: "no-store" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var tag = page.querySelector("script[data-version]");
        page.version = tag ? +tag.getAttribute("data-version") : null;
        if (tag) tag.removeAttribute("data-version");
        return page;
      });
  }
  // The page as served, before any script changed it: what the next version is compared with.
  var shown = null;
  if (version !== null) {
    fetchPage().then(function (page) { if (page.version === version) shown = page; }, function () {});
  }

  function runs(node) {
    var code = function (s) { return !/json/.test(s.type || ""); };
    if (node.nodeName === "SCRIPT") return code(node);
    return !!node.querySelectorAll && Array.prototype.some.call(node.querySelectorAll("script"), code);
  }
  function sameTag(a, b) {
    if (a.nodeType !== 1 || a.nodeName !== b.nodeName || a.attributes.length !== b.attributes.length) return false;
    for (var i = 0; i < a.attributes.length; i++) {
      if (b.getAttribute(a.attributes[i].name) !== a.attributes[i].value) return false;
    }
    return true;
  }
  /* Makes `live` (which shows `before`) show `after`: descends while the tags and the
     number of children agree, replaces the first node that differs otherwise. False when
     only a reload would be faithful (a script changed). */
  function patch(live, before, after) {
    var a = before.childNodes, b = after.childNodes, l = live.childNodes;
    if (sameTag(before, after) && a.length === b.length && l.length === a.length && live.nodeName === before.nodeName) {
      for (var i = 0; i < a.length; i++) {
        if (!a[i].isEqualNode(b[i]) && !patch(l[i], a[i], b[i])) return false;
      }
      return true;
    }
    if (runs(before) || runs(after)) return false;
    live.parentNode.replaceChild(document.importNode(after, true), live);
    return true;
  }

  /* Replaces the elements the server says changed (the event's `patch`: where each is, its
     tag, its new HTML); false, and nothing replaced, when one is not where it should be. */
  function apply(doc, patches) {
    var found = patches.map(function (p) {
      var el = doc.body;
      for (var i = 0; el && i < p.at.length; i++) el = el.children[p.at[i]];
      return el && el.tagName.toLowerCase() === p.tag ? el : null;
    });
    if (found.some(function (el) { return !el; })) return false;
    found.forEach(function (el, k) {
      var t = doc.createElement("template");
      t.innerHTML = patches[k].html;
      el.replaceWith(t.content);
    });
    return true;
  }

  var busy = false, wanted = null;
  function done(to) {
    busy = false;
    version = to;
    overlay(error);
    document.dispatchEvent(new Event("report:replaced"));
    // When the new text is on screen: after the next frame is drawn (read by the benchmark).
    requestAnimationFrame(function () {
      setTimeout(function () { window.__report_shown = performance.timeOrigin + performance.now(); });
    });
    if (wanted !== null && wanted.to !== version) { var w = wanted; wanted = null; update(w.to, w.p); }
  }
  function update(to, p) {
    if (busy) { wanted = { to: to, p: p }; return; }
    busy = true;
    window.__report_shown = 0;
    var o = document.getElementById("__report_error");
    if (o) o.remove();
    // The next version comes with the server's list of changed elements (`patch`).
    var listed = p && p.from === version && p.to === to && p.patches;
    // Nothing in the page changed: something beside it did (the stylesheet).
    if (listed && !p.patches.length) return reload();
    if (listed && apply(document, p.patches)) {
      if (shown && !apply(shown, p.patches)) shown = null;
      return done(to);
    }
    whole();
  }
  // Any other version: the whole page fetched and compared with the page shown.
  function whole() {
    if (!shown) return reload();
    fetchPage().then(function (next) {
      if (!next.head.isEqualNode(shown.head) || next.body.isEqualNode(shown.body) ||
          !patch(document.body, shown.body, next.body)) return reload();
      shown = next;
      done(next.version);
    }, reload);
  }
  function status(s) {
    built = s.built;
    error = s.error;
    overlay(s.error);
    if (version === null) version = s.version;
    else if (s.version !== version) update(s.version, s.patch);
  }
  // The browser reconnects by itself if the connection drops.
  var events = new EventSource("/__events");
  events.onmessage = function (e) { status(JSON.parse(e.data)); };
})();
