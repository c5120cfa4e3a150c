// /docs: Swagger UI over /openapi.json, its script and style served from the swagger-ui-dist
// npm package on this host (no CDN), so the page works offline.
import { Hono } from "hono";

/** The package files the page needs, by the name it requests them under /docs/assets/. */
const ASSETS: ReadonlyMap<string, string> = new Map([
  ["swagger-ui.css", "text/css; charset=utf-8"],
  ["swagger-ui-bundle.js", "text/javascript; charset=utf-8"],
  ["favicon-32x32.png", "image/png"],
]);

// Kept out of the page itself so a strict Content-Security-Policy (no inline script) holds.
const INIT_SCRIPT = `window.addEventListener("load", () => {
  window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
});
`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Sluice fraud prediction API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/init.js"></script>
</body>
</html>
`;

const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'",
  "x-content-type-options": "nosniff",
};

/** The /docs routes; package files are read on first request and kept in memory. */
export function swaggerDocs(): Hono {
  const app = new Hono();
  const cache = new Map<string, Promise<Uint8Array<ArrayBuffer>>>();
  const read = (name: string): Promise<Uint8Array<ArrayBuffer>> => {
    let file = cache.get(name);
    if (file === undefined) {
      file = Deno.readFile(new URL(import.meta.resolve(`swagger-ui-dist/${name}`)));
      cache.set(name, file);
      file.catch(() => cache.delete(name));
    }
    return file;
  };
  app.get("/docs", (c) => c.html(PAGE, 200, SECURITY_HEADERS));
  app.get(
    "/docs/assets/init.js",
    (c) => c.body(INIT_SCRIPT, 200, { "content-type": "text/javascript; charset=utf-8" }),
  );
  app.get("/docs/assets/:name", async (c) => {
    const name = c.req.param("name");
    const type = ASSETS.get(name);
    if (type === undefined) return c.notFound();
    return c.body(await read(name), 200, {
      "content-type": type,
      "cache-control": "public, max-age=86400",
      ...SECURITY_HEADERS,
    });
  });
  return app;
}
