/** @jsxImportSource hono/jsx */
// The login form: the token, once per working day, off loopback only.
import { CsrfField, Layout, type PageContext } from "./layout.tsx";

export function LoginPage(props: { page: PageContext; next: string; error?: string }) {
  return (
    <Layout page={{ ...props.page, loginRequired: false }} title="Log in" section="none">
      <form class="card login" method="post" action="/login">
        <h1>Log in to Sluice</h1>
        <p class="sub">This UI is served beyond this machine, so it needs the UI token.</p>
        {props.error && <p class="error-box" role="alert">{props.error}</p>}
        <CsrfField page={props.page} />
        <input type="hidden" name="next" value={props.next} />
        <label for="token">Token (SLUICE_UI_TOKEN)</label>
        <input id="token" type="password" name="token" autocomplete="current-password" required />
        <p>
          <button type="submit">Log in</button>
        </p>
      </form>
    </Layout>
  );
}
