// Material for MkDocs' head script (partials/javascripts/base.html, 9.8), moved out of the
// page so the Content-Security-Policy can forbid inline scripts. The scope is the site root:
// this file lives at <root>/assets/js/.
(function () {
  var root = new URL("../../", document.currentScript.src);
  window.__md_scope = root;
  window.__md_hash = function (e) {
    return [...e].reduce(function (h, c) { return (h << 5) - h + c.charCodeAt(0); }, 0);
  };
  window.__md_get = function (e, store, scope) {
    store = store || localStorage;
    scope = scope || window.__md_scope;
    return JSON.parse(store.getItem(scope.pathname + "." + e));
  };
  window.__md_set = function (e, value, store, scope) {
    store = store || localStorage;
    scope = scope || window.__md_scope;
    try { store.setItem(scope.pathname + "." + e, JSON.stringify(value)); } catch (err) { /* full or denied */ }
  };
})();
