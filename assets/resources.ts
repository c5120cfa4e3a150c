// The resources Sluice's assets use, declared on the runtime's Resources by module
// augmentation (so `ctx.resources.landing` is typed), and how a command opens them.
import type { OpenResources, ResourceEnvironment } from "../runtime/definitions.ts";
import { LandingZone } from "../resources/landing/landing_zone.ts";

declare module "../runtime/resources.ts" {
  interface Resources {
    /** The local landing zone the generator appends to and bronze reads. */
    landing: LandingZone;
  }
}

/** The landing zone is `<SLUICE_HOME>/landing`, where `deno task generate` writes by default. */
export function landingRoot(environment: ResourceEnvironment): string {
  return `${environment.home}/landing`;
}

export function openPipelineResources(environment: ResourceEnvironment): Promise<OpenResources> {
  return Promise.resolve({
    resources: { landing: new LandingZone(landingRoot(environment)) },
    close: () => Promise.resolve(),
  });
}
