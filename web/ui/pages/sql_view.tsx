/** @jsxImportSource hono/jsx */
// SQL text as written, each `ref('key')` a link to the asset it names.
import { assetPath } from "../paths.ts";
import { splitSqlRefs } from "../sql_refs.ts";

export function SqlView(props: { sql: string }) {
  return (
    <pre class="sql"><code>{splitSqlRefs(props.sql).map((piece, n) =>
      piece.kind === "ref"
        ? <a key={n} href={assetPath(piece.key)} data-ref={piece.key}>{piece.text}</a>
        : piece.text
    )}</code></pre>
  );
}
