/** @jsxImportSource hono/jsx */
// SQL text as written, each `ref('key')` a link to the asset it reads: the key itself, or the
// asset the graph resolved it to (a mart's ref('gold.x') reads warehouse.gold.x).
import { assetPath } from "../paths.ts";
import { splitSqlRefs } from "../sql_refs.ts";

export function SqlView(props: { sql: string; refs?: Readonly<Record<string, string>> }) {
  return (
    <pre class="sql"><code>{splitSqlRefs(props.sql).map((piece, n) => {
      if (piece.kind !== "ref") return piece.text;
      const target = props.refs?.[piece.key] ?? piece.key;
      return <a key={n} href={assetPath(target)} data-ref={target}>{piece.text}</a>;
    })}</code></pre>
  );
}
