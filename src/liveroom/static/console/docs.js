// The interactive reference (/docs): Swagger UI (vendor/swagger-ui-bundle.js, from the npm lock) over the
// registry's /openapi.json. The query every call carries (sdkappid, identifier, usersig, random, contenttype) is
// typed once in "Try it as" rather than in every operation: "Try it out" adds it to the request as it is sent.
// A signed-in operator can have the console make the UserSig (/console/api/usersig); the key stays on the server.
(function () {
  "use strict";
  const QUERY = ["sdkappid", "identifier", "usersig", "random", "contenttype"];
  const field = (id) => document.getElementById(id);
  let csrfToken = "";

  function withoutQuery(spec) {
    for (const item of Object.values(spec.paths)) {
      for (const operation of Object.values(item)) {
        operation.parameters = (operation.parameters || []).filter(
          (p) => !(p.in === "query" && QUERY.includes(p.name)),
        );
      }
    }
    return spec;
  }

  function withQuery(request) {
    const url = new URL(request.url, window.location.href);
    if (url.pathname.startsWith("/v4/")) {
      url.searchParams.set("sdkappid", field("try-sdkappid").value.trim());
      url.searchParams.set("identifier", field("try-identifier").value.trim());
      url.searchParams.set("usersig", field("try-usersig").value.trim());
      url.searchParams.set("random", String(window.crypto.getRandomValues(new Uint32Array(1))[0]));
      url.searchParams.set("contenttype", "json");
      request.url = url.toString();
    }
    return request;
  }

  function say(text) {
    field("try-status").textContent = text;
  }

  async function offerSigning() {
    const answer = await fetch("/console/api/apps", { credentials: "same-origin" });
    if (!answer.ok) {
      return;
    }
    const session = await answer.json();
    csrfToken = session.CsrfToken;
    const apps = field("try-apps");
    for (const app of session.Apps) {
      const option = document.createElement("option");
      option.value = String(app.SDKAppID);
      apps.appendChild(option);
    }
    if (session.Apps.length > 0 && !field("try-sdkappid").value) {
      field("try-sdkappid").value = String(session.Apps[0].SDKAppID);
      field("try-identifier").value = session.Apps[0].Admins[0] || "";
    }
    field("try-sign-in").hidden = true;
    field("try-make").hidden = false;
  }

  async function makeUserSig() {
    const body = {
      SDKAppID: Number(field("try-sdkappid").value.trim()),
      Identifier: field("try-identifier").value.trim(),
    };
    const answer = await fetch("/console/api/usersig", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken },
      body: JSON.stringify(body),
    });
    const made = await answer.json();
    if (!answer.ok) {
      say("No UserSig: " + made.error);
      return;
    }
    field("try-usersig").value = made.UserSig;
    say(`UserSig made for ${made.Identifier} in app ${made.SDKAppID}, valid ${made.Expire / 3600} h.`);
  }

  // Swagger UI leaves out what keyboard and screen-reader users need in a few places: added as its views appear.
  function accessible(root) {
    for (const body of root.querySelectorAll("textarea:not([aria-label])")) {
      body.setAttribute("aria-label", "Request body (JSON)");
    }
    for (const block of root.querySelectorAll("pre:not([tabindex])")) {
      block.setAttribute("tabindex", "0");
    }
  }
  const operations = field("operations");
  new MutationObserver(() => accessible(operations)).observe(operations, { childList: true, subtree: true });

  field("try-make").addEventListener("click", () => {
    makeUserSig().catch((error) => say("No UserSig: " + error));
  });
  offerSigning().catch(() => {});
  fetch("/openapi.json")
    .then((answer) => answer.json())
    .then((spec) => {
      window.ui = window.SwaggerUIBundle({
        spec: withoutQuery(spec),
        dom_id: "#operations",
        deepLinking: false,
        requestInterceptor: withQuery,
        defaultModelsExpandDepth: 0,
        defaultModelExpandDepth: 4,
        displayOperationId: true,
        // Its colour themes fall short of a 4.5:1 contrast on some tokens.
        syntaxHighlight: false,
      });
    });
})();
