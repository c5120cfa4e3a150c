// A TreeModel read back from its JSON file (model.json of a model version, or a file given to
// serve --model), checked with zod so a wrong file fails its load with the field that is wrong.
import { z } from "zod";
import { TREE_MODEL_FORMAT, type TreeModel } from "../../models/tree_model.ts";
import { ModelLoadError } from "./serving_model.ts";

const numbers = z.array(z.number());

const TreeSchema = z.object({
  feature: z.array(z.int()),
  threshold: numbers,
  left: z.array(z.int()),
  right: z.array(z.int()),
  missingLeft: z.array(z.boolean()),
  value: numbers,
  cover: numbers,
  gain: numbers,
}).refine(
  (tree) =>
    [tree.threshold, tree.left, tree.right, tree.missingLeft, tree.value, tree.cover, tree.gain]
      .every((column) => column.length === tree.feature.length) && tree.feature.length > 0,
  { message: "every node array of a tree must have the same, non-zero length" },
);

const TreeModelSchema = z.object({
  format: z.literal(TREE_MODEL_FORMAT),
  featureNames: z.array(z.string()),
  baseScore: z.number(),
  trees: z.array(TreeSchema),
  threshold: z.number(),
  binEdges: z.array(numbers),
});

/** Parses the JSON bytes of a TreeModel; `path` names the file in the ModelLoadError. */
export function parseTreeModel(path: string, bytes: Uint8Array): TreeModel {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new ModelLoadError(`Cannot load ${path} as it is not JSON: ${(error as Error).message}`);
  }
  const parsed = TreeModelSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ModelLoadError(
      `Cannot load ${path} as it must be a ${TREE_MODEL_FORMAT} model: ` +
        `${issue.path.join(".") || "the document"}: ${issue.message}`,
    );
  }
  return parsed.data as TreeModel;
}
