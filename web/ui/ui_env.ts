// The Hono environment every UI route shares: what the middleware puts on the context.
import type { PageContext } from "./pages/layout.tsx";

export interface UiEnv {
  Variables: {
    /** The CSRF token for this browser's nonce, the static files, whether login applies. */
    page: PageContext;
  };
}
