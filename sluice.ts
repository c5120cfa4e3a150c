// Sluice's command-line entry point: hands the application's asset definitions to the runtime.
import { loadDefinitions } from "./assets/definitions.ts";
import { main } from "./runtime/cli/main.ts";

Deno.exit(await main(loadDefinitions, Deno.args));
