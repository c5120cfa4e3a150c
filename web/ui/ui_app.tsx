/** @jsxImportSource hono/jsx */
// The lineage web view as one Hono app: server-rendered pages with small client modules for the
// graph canvas, the health bar and the live log. createUiApp refuses a non-loopback host without
// a token; the middleware below checks the Host, the session and the CSRF token, in that order.
import { type Context, Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { secureHeaders } from "hono/secure-headers";
import { actionRoutes } from "./action_routes.ts";
import { apiRoutes, missingAsset } from "./api_routes.ts";
import { UiForbiddenError, UiHttpError, UiNotFoundError } from "./errors.ts";
import { graphIndexOf, graphPayload, graphStatuses, LayoutCache } from "./graph_view.ts";
import { AssetPage } from "./pages/asset_page.tsx";
import { AssetsPage } from "./pages/assets_page.tsx";
import { SchedulesPage, SensorsPage } from "./pages/automation_pages.tsx";
import { ErrorPage } from "./pages/error_page.tsx";
import { GraphPage } from "./pages/graph_page.tsx";
import type { PageContext } from "./pages/layout.tsx";
import { LoginPage } from "./pages/login_page.tsx";
import { ModelsPage } from "./pages/models_page.tsx";
import { PartitionPage } from "./pages/partition_page.tsx";
import { RunPage } from "./pages/run_page.tsx";
import { RunsPage } from "./pages/runs_page.tsx";
import { partitionFromSegment, partitionPath } from "./paths.ts";
import { parseCount, parseRunFilter, parseStatus } from "./query_params.ts";
import { streamRunLog } from "./run_stream.ts";
import { evaluateSelection } from "./selection.ts";
import { StaticFiles } from "./static_files.ts";
import type { UiActions, UiClock, UiData } from "./ui_data.ts";
import type { UiEnv } from "./ui_env.ts";
import {
  CSRF_COOKIE,
  CSRF_FIELD,
  CSRF_HEADER,
  hostName,
  isLoopbackHost,
  SESSION_COOKIE,
  SESSION_MS,
  UiSecurity,
} from "./ui_security.ts";

export interface UiAppOptions {
  readonly data: UiData;
  readonly actions: UiActions;
  /** The address the server binds: loopback needs no login, anything else needs `token`. */
  readonly host: string;
  /** SLUICE_UI_TOKEN: required off loopback, at least 16 characters. */
  readonly token?: string;
  readonly clock: UiClock;
  /** How often the graph page re-reads statuses, in ms; 0 turns it off. Default 5,000. */
  readonly statusPollMs?: number;
  readonly layouts?: LayoutCache;
  readonly files?: StaticFiles;
  /** Where unexpected errors are reported (default: console.error). */
  readonly reportError?: (error: unknown) => void;
}

const PARTITION_PAGE_SIZE = 50;
const ASSET_RUNS = 10;
const RUN_PAGE_LOG_LINES = 2000;
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function createUiApp(options: UiAppOptions): Hono<UiEnv> {
  const { data, actions, clock } = options;
  const security = new UiSecurity(options.host, options.token, clock);
  const files = options.files ?? StaticFiles.load();
  const layouts = options.layouts ?? new LayoutCache();
  const pollMs = options.statusPollMs ?? 5000;
  const reportError = options.reportError ?? ((error: unknown) => console.error(error));
  const app = new Hono<UiEnv>();

  app.use(
    "*",
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", "data:"],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    }),
  );

  // On loopback there is no login, so answer loopback names only: a page elsewhere cannot then
  // rebind its own name to 127.0.0.1 and read the UI (DNS rebinding).
  app.use("*", async (c, next) => {
    const host = requestHost(c);
    if (!security.loginRequired && !isLoopbackHost(hostName(host))) {
      throw new UiForbiddenError(
        `Cannot answer a request for host '${host}': this UI listens on loopback and answers ` +
          "localhost, 127.0.0.1 and [::1] only; to serve other names bind HOST to an outside " +
          "address and set SLUICE_UI_TOKEN",
      );
    }
    await next();
  });

  // Every browser gets a CSRF nonce cookie; pages carry the token signed for it.
  app.use("*", async (c, next) => {
    let nonce = getCookie(c, CSRF_COOKIE);
    if (!nonce || !/^[A-Za-z0-9_-]{16,64}$/.test(nonce)) {
      nonce = security.newCsrfNonce();
      setCookie(c, CSRF_COOKIE, nonce, {
        httpOnly: true,
        sameSite: "Strict",
        path: "/",
        secure: isHttps(c),
      });
    }
    c.set("page", {
      csrfToken: security.csrfToken(nonce),
      loginRequired: security.loginRequired,
      files,
    });
    await next();
  });

  app.use("*", async (c, next) => {
    const path = c.req.path;
    const open = path === "/login" || path === "/healthz" || path.startsWith("/static/");
    if (!security.loginRequired || open || signedIn(c)) return await next();
    if (c.req.method === "GET" && !wantsJson(c) && !path.endsWith("/stream")) {
      return c.redirect(`/login?next=${encodeURIComponent(path + new URL(c.req.url).search)}`, 303);
    }
    throw new UiForbiddenError(
      `Cannot ${
        SAFE_METHODS.has(c.req.method) ? "read" : "change"
      } ${path} without logging in: this UI is served off loopback, so log in at /login with ` +
        "SLUICE_UI_TOKEN (or send it as 'Authorization: Bearer <token>' to the read-only API)",
    );
  });

  app.use("*", async (c, next) => {
    if (SAFE_METHODS.has(c.req.method)) return await next();
    const origin = c.req.header("origin");
    if (origin && origin !== "null" && safeHost(origin) !== requestHost(c)) {
      throw new UiForbiddenError(
        `Cannot accept a ${c.req.method} from origin '${origin}': only pages of this UI may ` +
          "change anything",
      );
    }
    const submitted = c.req.header(CSRF_HEADER) ?? (await formField(c, CSRF_FIELD));
    if (!security.csrfValid(getCookie(c, CSRF_COOKIE), submitted)) {
      throw new UiForbiddenError(
        `Cannot ${c.req.method} ${c.req.path} without a valid CSRF token: ${
          submitted ? "the token does not match this browser's cookie" : "the request has none"
        }; reload the page and submit its form again`,
      );
    }
    await next();
  });

  function signedIn(c: Context<UiEnv>): boolean {
    if (security.sessionValid(getCookie(c, SESSION_COOKIE))) return true;
    // A script reading the API may send the token itself; never for a change (CSRF-free).
    const bearer = c.req.header("authorization")?.match(/^Bearer\s+(.+)$/i)?.[1];
    return bearer !== undefined && SAFE_METHODS.has(c.req.method) &&
      c.req.path.startsWith("/api/") && security.tokenMatches(bearer);
  }

  app.get("/healthz", async (c) => {
    try {
      await data.health?.();
      return c.json({ status: "ok" });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return c.json(
        { status: "unavailable", error: `Cannot read the metadata store: ${reason}` },
        503,
      );
    }
  });

  app.get("/static/:name", (c) => {
    const file = files.get(c.req.param("name"));
    if (!file) throw new UiNotFoundError(`Cannot find static file '${c.req.param("name")}'`);
    const etag = `"${file.hash}"`;
    const versioned = c.req.query("v") === file.hash;
    c.header("ETag", etag);
    c.header("Cache-Control", versioned ? "public, max-age=31536000, immutable" : "no-cache");
    if (c.req.header("if-none-match") === etag) return c.body(null, 304);
    c.header("Content-Type", file.contentType);
    return c.body(file.body);
  });

  app.get("/login", (c) => {
    if (!security.loginRequired) return c.redirect("/", 303);
    return c.html(<LoginPage page={c.var.page} next={safeNext(c.req.query("next"))} />);
  });

  app.post("/login", async (c) => {
    const form = await c.req.parseBody();
    const next = safeNext(typeof form.next === "string" ? form.next : undefined);
    if (!security.loginRequired) return c.redirect(next, 303);
    if (typeof form.token !== "string" || !security.tokenMatches(form.token)) {
      return c.html(
        <LoginPage
          page={c.var.page}
          next={next}
          error="Cannot log in: the token is not this UI's SLUICE_UI_TOKEN"
        />,
        403,
      );
    }
    setCookie(c, SESSION_COOKIE, security.newSession(), {
      httpOnly: true,
      sameSite: "Strict",
      path: "/",
      secure: isHttps(c),
      maxAge: SESSION_MS / 1000,
    });
    return c.redirect(next, 303);
  });

  app.post("/logout", (c) => {
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    return c.redirect("/login", 303);
  });

  app.get("/", async (c) => {
    const index = graphIndexOf(await data.graph());
    const payload = graphPayload(index, layouts.get(index));
    const focusText = c.req.query("select")?.trim() ?? "";
    let focus: number[] | null = null;
    let focusError: string | undefined;
    if (focusText !== "") {
      try {
        focus = evaluateSelection(index, focusText);
      } catch (error) {
        if (!(error instanceof UiHttpError)) throw error;
        focusError = error.message;
      }
    }
    return c.html(
      <GraphPage page={c.var.page} graph={{ ...payload, focus, focusText, focusError, pollMs }} />,
    );
  });

  app.get("/graph/select", async (c) => {
    const index = graphIndexOf(await data.graph());
    return c.json({ matched: evaluateSelection(index, c.req.query("q") ?? "") });
  });

  app.get("/graph/statuses", async (c) => c.json(graphStatuses(graphIndexOf(await data.graph()))));

  app.get("/assets", async (c) => {
    const graph = await data.graph();
    const select = c.req.query("select")?.trim() ?? "";
    if (select === "") {
      return c.html(<AssetsPage page={c.var.page} assets={graph.assets} select="" />);
    }
    try {
      const matched = evaluateSelection(graphIndexOf(graph), select);
      const assets = matched.map((i) => graph.assets[i]);
      return c.html(<AssetsPage page={c.var.page} assets={assets} select={select} />);
    } catch (error) {
      if (!(error instanceof UiHttpError)) throw error;
      return c.html(
        <AssetsPage page={c.var.page} assets={[]} select={select} error={error.message} />,
        400,
      );
    }
  });

  app.get("/assets/:key", async (c) => {
    const key = c.req.param("key");
    const statusFilter = parseStatus(c.req.query("status"));
    const expand = c.req.query("expand") === "1";
    const offset = parseCount("offset", c.req.query("offset"), 0, 0, Number.MAX_SAFE_INTEGER);
    const [asset, health, partitions, runs] = await Promise.all([
      data.asset(key),
      data.partitionHealth(key),
      data.partitions(key, { offset, limit: PARTITION_PAGE_SIZE, status: statusFilter, expand }),
      data.runs({ asset: key, limit: ASSET_RUNS }),
    ]);
    if (!asset || !health || !partitions) throw missingAsset(key);
    return c.html(
      <AssetPage
        page={c.var.page}
        data={{
          asset,
          health,
          partitions,
          statusFilter,
          expand,
          pageSize: PARTITION_PAGE_SIZE,
          runs,
        }}
      />,
    );
  });

  // The health bar's click: a partition by its position, answered with its page.
  app.get("/assets/:key/partitions", async (c) => {
    const key = c.req.param("key");
    const at = parseCount("at", c.req.query("at"), -1, 0, Number.MAX_SAFE_INTEGER);
    const partition = at === -1 ? undefined : await data.partitionAt(key, at);
    if (partition === undefined) {
      if (!(await data.asset(key))) throw missingAsset(key);
      throw new UiNotFoundError(
        `Cannot find partition number ${at} of ${key}: give ?at= a position from 0 to the count less one`,
      );
    }
    return c.redirect(partitionPath(key, partition), 303);
  });

  app.get("/assets/:key/partitions/:partition", async (c) => {
    const key = c.req.param("key");
    const partition = partitionFromSegment(c.req.param("partition"));
    const detail = await data.partition(key, partition);
    if (!detail) {
      if (!(await data.asset(key))) throw missingAsset(key);
      throw new UiNotFoundError(
        `Cannot find partition '${partition}' of ${key}: the asset has no such partition`,
      );
    }
    return c.html(<PartitionPage page={c.var.page} detail={detail} />);
  });

  app.get("/runs", async (c) => {
    const filter = parseRunFilter(c.req.query());
    return c.html(<RunsPage page={c.var.page} runs={await data.runs(filter)} filter={filter} />);
  });

  app.get("/runs/:id", async (c) => {
    const id = c.req.param("id");
    const run = await data.run(id);
    if (!run) throw new UiNotFoundError(`Cannot find run '${id}': no run has that id`);
    const logs = await data.runLogs(id, 0, RUN_PAGE_LOG_LINES);
    return c.html(<RunPage page={c.var.page} run={run} logs={logs} />);
  });

  app.get("/runs/:id/logs/stream", (c) => streamRunLog(c, data, c.req.param("id")));

  app.get(
    "/schedules",
    async (c) => c.html(<SchedulesPage page={c.var.page} schedules={await data.schedules()} />),
  );
  app.get(
    "/sensors",
    async (c) => c.html(<SensorsPage page={c.var.page} sensors={await data.sensors()} />),
  );
  app.get(
    "/models",
    async (c) => c.html(<ModelsPage page={c.var.page} models={await data.models()} />),
  );

  app.route("/actions", actionRoutes(data, actions));
  app.route("/api", apiRoutes(data));

  app.notFound((c) => {
    const message = `Cannot find ${c.req.path}: no page or API route has that path`;
    return respondError(c, 404, message);
  });

  app.onError((error, c) => {
    if (error instanceof UiHttpError) return respondError(c, error.status, error.message);
    reportError(error);
    return respondError(
      c,
      500,
      `Cannot finish ${c.req.method} ${c.req.path}: ${
        error instanceof Error ? error.message : String(error)
      }`,
    );
  });

  function respondError(c: Context<UiEnv>, status: 400 | 403 | 404 | 500, message: string) {
    if (wantsJson(c)) return c.json({ error: message }, status);
    const page: PageContext = c.var.page ??
      { csrfToken: "", loginRequired: security.loginRequired, files };
    return c.html(<ErrorPage page={page} status={status} message={message} />, status);
  }

  return app;
}

function requestHost(c: Context): string {
  return c.req.header("host") ?? new URL(c.req.url).host;
}

function safeHost(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === "https:" || c.req.header("x-forwarded-proto") === "https";
}

function wantsJson(c: Context): boolean {
  const path = c.req.path;
  return path.startsWith("/api/") || path.startsWith("/graph/") ||
    (c.req.header("accept") ?? "").startsWith("application/json");
}

async function formField(c: Context, name: string): Promise<string | undefined> {
  const type = c.req.header("content-type") ?? "";
  if (!type.includes("form")) return undefined;
  const value = (await c.req.parseBody())[name];
  return typeof value === "string" ? value : undefined;
}

/** Only a path on this site: `next=https://elsewhere` must not send people away after login. */
function safeNext(next: string | undefined): string {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}
