// Starts Swagger UI on this server's own /openapi.json. A file, not an inline script, so the
// page works under a Content-Security-Policy that allows only 'self'.
'use strict';

window.addEventListener('load', () => {
  window.ui = window.SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    // A token given to "Authorize" survives a reload (in this browser's localStorage).
    persistAuthorization: true,
    displayRequestDuration: true,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
  });
});
