/** @jsxImportSource hono/jsx */
// A refusal or a missing page, with the message that says what was wrong and what to do.
import { Layout, type PageContext } from "./layout.tsx";

export function ErrorPage(props: { page: PageContext; status: number; message: string }) {
  const title = props.status === 404
    ? "Not found"
    : props.status === 403
    ? "Refused"
    : props.status === 400
    ? "Cannot do that"
    : "Something went wrong";
  return (
    <Layout page={props.page} title={title} section="none">
      <h1>{title}</h1>
      <p class="error-box" role="alert">{props.message}</p>
      <p>
        <a href="/">Back to the graph</a>
      </p>
    </Layout>
  );
}
