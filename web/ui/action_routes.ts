// The state-changing routes: materialize a selection and partition range, promote, roll back,
// cancel a run. Each is a form POST (the CSRF check ran before it) that calls UiActions and
// answers 303 to the page that shows the result.
import { Hono } from "hono";
import { UiRequestError } from "./errors.ts";
import { indexGraph } from "./graph_index.ts";
import { runPath } from "./paths.ts";
import { evaluateSelection } from "./selection.ts";
import type { UiActions, UiData } from "./ui_data.ts";
import type { UiEnv } from "./ui_env.ts";

export function actionRoutes(data: UiData, actions: UiActions): Hono<UiEnv> {
  const routes = new Hono<UiEnv>();

  routes.post("/materialize", async (c) => {
    const form = await c.req.parseBody();
    const selection = field(form, "selection");
    if (selection === "") {
      throw new UiRequestError(
        "Cannot materialize without a selection: give a key, +key, key+, group:name or tag:name",
      );
    }
    // Refuse a bad selection here, with the evaluator's message, before anything is queued.
    evaluateSelection(indexGraph((await data.graph()).assets), selection);
    const partitions = partitionRange(field(form, "from"), field(form, "to"));
    const { runId, runIds } = await actions.materialize({ selection, partitions });
    // A range split into several requests: the list shows them all.
    return c.redirect(runIds !== undefined && runIds.length > 1 ? "/runs" : runPath(runId), 303);
  });

  routes.post("/promote", async (c) => {
    const form = await c.req.parseBody();
    await actions.promote({
      model: required(form, "model"),
      version: required(form, "version"),
      alias: required(form, "alias"),
    });
    return c.redirect("/models", 303);
  });

  routes.post("/rollback", async (c) => {
    const form = await c.req.parseBody();
    await actions.rollback({ model: required(form, "model"), alias: required(form, "alias") });
    return c.redirect("/models", 303);
  });

  routes.post("/cancel", async (c) => {
    const runId = required(await c.req.parseBody(), "runId");
    await actions.cancelRun(runId);
    return c.redirect(runPath(runId), 303);
  });

  return routes;
}

type Form = Record<string, string | File | (string | File)[]>;

function field(form: Form, name: string): string {
  const value = form[name];
  return typeof value === "string" ? value.trim() : "";
}

function required(form: Form, name: string): string {
  const value = field(form, name);
  if (value === "") throw new UiRequestError(`Cannot do that without '${name}': the form lacks it`);
  return value;
}

/** Both ends empty: every partition that needs it; one end: that single partition. */
export function partitionRange(
  from: string,
  to: string,
): { from: string; to: string } | undefined {
  if (from === "" && to === "") return undefined;
  const range = { from: from || to, to: to || from };
  if (range.from > range.to) {
    throw new UiRequestError(
      `Cannot materialize the range '${range.from}..${range.to}' as its start is after its end`,
    );
  }
  return range;
}
