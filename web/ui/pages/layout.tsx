/** @jsxImportSource hono/jsx */
// The frame every page shares (header, navigation, the CSRF token for scripts) and the small
// pieces pages repeat: status badges, reasons, links to assets, partitions and runs.
import type { Child } from "hono/jsx";
import { raw } from "hono/html";
import { assetPath, displayPartition, partitionPath, runPath } from "../paths.ts";
import type { StaticFiles } from "../static_files.ts";
import type { AssetStatus, RunStatus } from "../ui_data.ts";
import { CSRF_FIELD } from "../ui_security.ts";

export type Section = "graph" | "assets" | "runs" | "schedules" | "sensors" | "models" | "none";

/** What every page needs from the request. */
export interface PageContext {
  readonly csrfToken: string;
  readonly loginRequired: boolean;
  readonly files: StaticFiles;
}

const SECTIONS: readonly [Exclude<Section, "none">, string, string][] = [
  ["graph", "/", "Graph"],
  ["assets", "/assets", "Assets"],
  ["runs", "/runs", "Runs"],
  ["schedules", "/schedules", "Schedules"],
  ["sensors", "/sensors", "Sensors"],
  ["models", "/models", "Models"],
];

export function Layout(props: {
  page: PageContext;
  title: string;
  section: Section;
  wide?: boolean;
  scripts?: readonly string[];
  children?: Child;
}) {
  const { page } = props;
  return (
    <>
      {raw("<!DOCTYPE html>")}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="csrf-token" content={page.csrfToken} />
          <title>{props.title} · Sluice</title>
          <link rel="icon" href={page.files.url("favicon.svg")} />
          <link rel="stylesheet" href={page.files.url("app.css")} />
          {(props.scripts ?? []).map((name) => (
            // Fetched while the body parses, so the module runs as soon as the page is ready.
            <link key={name} rel="modulepreload" href={page.files.url(name)} />
          ))}
        </head>
        <body>
          <header class="top">
            <a class="brand" href="/">Sluice</a>
            <nav aria-label="Sections">
              {SECTIONS.map(([section, href, label]) => (
                <a href={href} aria-current={section === props.section ? "page" : undefined}>
                  {label}
                </a>
              ))}
            </nav>
            {page.loginRequired && (
              <form method="post" action="/logout">
                <CsrfField page={page} />
                <button type="submit" class="secondary">Log out</button>
              </form>
            )}
          </header>
          <main class={props.wide ? "wide" : undefined}>{props.children}</main>
          {(props.scripts ?? []).map((name) => (
            <script type="module" src={page.files.url(name)}></script>
          ))}
        </body>
      </html>
    </>
  );
}

export function CsrfField(props: { page: PageContext }) {
  return <input type="hidden" name={CSRF_FIELD} value={props.page.csrfToken} />;
}

export function StatusBadge(props: { status: AssetStatus }) {
  return <span class={`badge status-${props.status}`}>{props.status}</span>;
}

export function RunBadge(props: { status: RunStatus | "skipped"; id?: string }) {
  return <span id={props.id} class={`badge run-${props.status}`}>{props.status}</span>;
}

export function Reasons(props: { reasons: readonly string[] }) {
  if (props.reasons.length === 0) return <span class="sub">no reason to run</span>;
  if (props.reasons.length === 1) return <span>{props.reasons[0]}</span>;
  return <ul class="reasons">{props.reasons.map((reason) => <li key={reason}>{reason}</li>)}</ul>;
}

export function AssetLink(props: { asset: string }) {
  return <a href={assetPath(props.asset)}>{props.asset}</a>;
}

export function PartitionLink(props: { asset: string; partition: string; label?: string }) {
  return (
    <a href={partitionPath(props.asset, props.partition)}>
      {props.label ?? displayPartition(props.partition)}
    </a>
  );
}

export function RunLink(props: { id: string }) {
  return <a href={runPath(props.id)}>{props.id}</a>;
}

/** A timestamp shown in UTC to the second, machine-readable in `datetime`. */
export function Time(props: { at?: string }) {
  if (!props.at) return <span class="sub">-</span>;
  return <time datetime={props.at}>{props.at.replace("T", " ").slice(0, 19)}</time>;
}

/** JSON for a `<script type="application/json">`: `<` escaped so no text can end the tag. */
export function JsonScript(props: { id: string; value: unknown }) {
  const text = JSON.stringify(props.value).replaceAll("<", "\\u003c");
  return (
    <script
      type="application/json"
      id={props.id}
      dangerouslySetInnerHTML={{ __html: text }}
    />
  );
}
