// Removal of a test's temporary directory tree. A recursive remove lists a directory, then
// unlinks; an entry created in between (seen once in CI, after the racing-compaction test)
// fails it with "Directory not empty", so the removal tries again and names what stayed.

/** How many times removeTempTree tries before it gives up. */
const ATTEMPTS = 5;

/** Removes `path` and everything under it; a path already gone is fine. */
export async function removeTempTree(path: string): Promise<void> {
  for (let attempt = 1;; attempt++) {
    try {
      await Deno.remove(path, { recursive: true });
      return;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      const notEmpty = error instanceof Error && /not empty/i.test(error.message);
      if (!notEmpty || attempt === ATTEMPTS) {
        throw new Error(`cannot remove ${path}; it still holds ${await entriesOf(path)}`, {
          cause: error,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
    }
  }
}

async function entriesOf(path: string): Promise<string> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(path)) names.push(entry.name);
  } catch (error) {
    return `(unreadable: ${error instanceof Error ? error.message : String(error)})`;
  }
  return names.length === 0 ? "nothing" : names.join(", ");
}
