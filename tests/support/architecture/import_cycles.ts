// Import cycles between files: the strongly connected groups of the import graph (Tarjan), each
// shown as its shortest cycle through its first file, so the report names a path to cut.

/** File to the files it imports (project paths). */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

/** One group of files that import each other, directly or through one another. */
export interface ImportCycle {
  /** The shortest cycle through the group's first file, without repeating that file. */
  readonly cycle: readonly string[];
  /** Every file of the group, sorted; more than `cycle` when several cycles share files. */
  readonly group: readonly string[];
}

/** Every cycle group of `graph`, ordered by first file; empty when the graph is acyclic. */
export function findCycles(graph: ImportGraph): readonly ImportCycle[] {
  return stronglyConnected(graph)
    .filter((group) => group.length > 1 || (graph.get(group[0]) ?? []).includes(group[0]))
    .map((group) => {
      const sorted = [...group].sort();
      return { cycle: shortestCycle(graph, sorted[0], new Set(sorted)), group: sorted };
    })
    .sort((a, b) => a.group[0].localeCompare(b.group[0]));
}

/** `a -> b -> c -> a`, with the rest of the group when it is larger than the cycle. */
export function formatCycle({ cycle, group }: ImportCycle): string {
  const path = [...cycle, cycle[0]].join(" -> ");
  const others = group.filter((file) => !cycle.includes(file));
  return others.length === 0 ? path : `${path} (same group: ${others.join(", ")})`;
}

/** Tarjan's algorithm, iterative so a deep import chain cannot overflow the stack. */
function stronglyConnected(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  let next = 0;
  const successors = (file: string) => graph.get(file) ?? [];

  for (const root of [...graph.keys()].sort()) {
    if (index.has(root)) continue;
    const work: { file: string; edge: number }[] = [{ file: root, edge: 0 }];
    index.set(root, next);
    low.set(root, next++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const targets = successors(frame.file);
      if (frame.edge < targets.length) {
        const target = targets[frame.edge++];
        if (!index.has(target)) {
          index.set(target, next);
          low.set(target, next++);
          stack.push(target);
          onStack.add(target);
          work.push({ file: target, edge: 0 });
        } else if (onStack.has(target)) {
          low.set(frame.file, Math.min(low.get(frame.file)!, index.get(target)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent !== undefined) {
        low.set(parent.file, Math.min(low.get(parent.file)!, low.get(frame.file)!));
      }
      if (low.get(frame.file) === index.get(frame.file)) {
        const group: string[] = [];
        let file: string;
        do {
          file = stack.pop()!;
          onStack.delete(file);
          group.push(file);
        } while (file !== frame.file);
        groups.push(group);
      }
    }
  }
  return groups;
}

/** Breadth-first from `start` back to itself inside `group`: the fewest files to read. */
function shortestCycle(graph: ImportGraph, start: string, group: ReadonlySet<string>): string[] {
  const cameFrom = new Map<string, string>();
  let frontier = [start];
  while (frontier.length > 0) {
    const nextFrontier: string[] = [];
    for (const file of frontier) {
      for (const target of [...(graph.get(file) ?? [])].sort()) {
        if (target === start) return pathTo(file, start, cameFrom);
        if (!group.has(target) || cameFrom.has(target)) continue;
        cameFrom.set(target, file);
        nextFrontier.push(target);
      }
    }
    frontier = nextFrontier;
  }
  throw new Error(`Cannot find a cycle through '${start}': it is not in a cycle group`);
}

function pathTo(last: string, start: string, cameFrom: ReadonlyMap<string, string>): string[] {
  const path = [last];
  while (path[0] !== start) path.unshift(cameFrom.get(path[0])!);
  return path;
}
