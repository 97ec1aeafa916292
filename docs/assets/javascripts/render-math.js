// Typeset the math that pymdownx.arithmatex (generic mode) leaves in the page, with the KaTeX
// copy that the build put into this site: the browser never fetches anything from elsewhere.
(function () {
  "use strict";

  function typeset(root) {
    root.querySelectorAll(".arithmatex").forEach(function (element) {
      if (element.dataset.typeset) {
        return;
      }
      // arithmatex wraps inline math in \( ... \) (a span) and display math in \[ ... \] (a div)
      var tex = element.textContent.trim().replace(/^\\[([]/, "").replace(/\\[)\]]$/, "");
      katex.render(tex, element, {
        displayMode: element.tagName === "DIV",
        throwOnError: false,
      });
      element.dataset.typeset = "true";
    });
  }

  if (typeof document$ !== "undefined") {
    // Material's observable fires on the first load and after every instant navigation.
    document$.subscribe(function () {
      typeset(document);
    });
  } else {
    document.addEventListener("DOMContentLoaded", function () {
      typeset(document);
    });
  }
})();
