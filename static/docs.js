// /docs: Swagger UI (vendored beside this file) started from a file of its own, not an inline script, so that the
// page runs under the app's Content-Security-Policy (script-src 'self') and needs nothing but this server.
(function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    validatorUrl: null  // no badge fetched from the online validator
  });
})();
