// Material for MkDocs' content script (partials/javascripts/content.html, 9.8), moved out of
// the page for the Content-Security-Policy: open the content tab a link's #fragment names.
(function () {
  var target = document.getElementById(location.hash.slice(1));
  if (target && target.name) target.checked = target.name.startsWith("__tabbed_");
})();
