// Valid SQL files an engine must run as they are written: each form dresses the same query in
// what people put around SQL (trailing comments and semicolons, WITH, blank lines).

export interface SqlForm {
  readonly name: string;
  /** The file body for `query`, a SELECT without a trailing semicolon. */
  dress(query: string): string;
}

export const SQL_FORMS: readonly SqlForm[] = [
  { name: "a trailing line comment", dress: (q) => `${q}\n-- note` },
  { name: "a comment after the last token", dress: (q) => `${q} -- note` },
  { name: "a trailing block comment", dress: (q) => `${q}\n/* a note\n   over two lines */` },
  { name: "a trailing semicolon", dress: (q) => `${q};` },
  { name: "a semicolon, then comments", dress: (q) => `${q}; -- done\n/* end */\n` },
  { name: "a leading WITH clause", dress: (q) => `with q as (\n${q}\n)\nselect * from q` },
  {
    name: "blank lines and leading comments",
    dress: (q) => `\n\n-- first note\n/* second */\n\n${q}\n\n\n`,
  },
  {
    name: "all of them at once",
    dress: (q) =>
      `-- lead\n\nwith q as (${q} /* inline */)\nselect * from q; /* end */ -- note\n\n`,
  },
];
