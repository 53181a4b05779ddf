/* The language switcher's links: remember the chosen language for the pages whose address
   carries none (accounts, applications, consent), as the switcher's form does on those pages. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-language]");
    if (!link || !link.closest("[data-language-switcher]")) { return; }
    document.cookie = "django_language=" + encodeURIComponent(link.getAttribute("data-language")) +
      "; path=/; max-age=31536000; samesite=Lax";
  });
})();
