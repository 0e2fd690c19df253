// A GraphiQL plugin (sidebar) to sign in and out with a form: the password goes as a variable of
// the SignIn operation, never into a document, the URL or storage. It shows who is signed in,
// with their role and duties, and reloads the schema after every sign-in and sign-out, which in
// production is what makes the schema appear at all (anonymous introspection is refused there).

const e = React.createElement;
const { useEditorContext, useSchemaContext } = GraphiQL.React;

const TITLE = "Sign in";
const SIGN_IN = "mutation SignIn($input: LoginInput!) { login(input: $input) { account { id } } }";
const SIGN_OUT = "mutation SignOut { logout }";
const REFUSED = "INTROSPECTION_DISABLED";

class Refusal extends Error {
  constructor(error) {
    super(error.message);
    this.code = error.extensions?.code ?? "";
  }
}

async function post(endpoint, query, variables = {}) {
  const response = await window.fetch(endpoint, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  const payload = await response.json();
  if (payload.errors?.length) throw new Refusal(payload.errors[0]);
  return payload.data;
}

// `duties` only where the schema has it: asked for elsewhere, the whole query would be refused.
export async function whoAmI(endpoint, withDuties = false) {
  const duties = withDuties ? " duties" : "";
  return (await post(endpoint, `query WhoAmI { me { id name role${duties} } }`)).me;
}

// Asked for as a list of names (roles, enum values); a shape it is not is left out.
function hasDuties(schema) {
  const duties = schema?.getType("Account")?.getFields().duties;
  const { getNamedType, isLeafType } = GraphiQL.GraphQL;
  return Boolean(duties) && isLeafType(getNamedType(duties.type));
}

function PersonIcon() {
  return e(
    "svg",
    { viewBox: "0 0 24 24", fill: "none", stroke: "currentColor", strokeWidth: 1.5, "aria-hidden": true },
    e("circle", { cx: 12, cy: 8, r: 4 }),
    e("path", { d: "M4 21c0-4.4 3.6-8 8-8s8 3.6 8 8" }),
  );
}

function SignInForm({ onSubmit, busy }) {
  return e(
    "form",
    { className: "consentql-sign-in-form", onSubmit, method: "post" },
    e("label", { htmlFor: "consentql-login" }, "Phone or email"),
    e("input", { id: "consentql-login", name: "login", autoComplete: "username", required: true }),
    e("label", { htmlFor: "consentql-password" }, "Password"),
    e("input", {
      id: "consentql-password",
      name: "password",
      type: "password",
      autoComplete: "current-password",
      required: true,
    }),
    e("button", { type: "submit", className: "graphiql-button", disabled: busy }, TITLE),
  );
}

function SignedIn({ viewer, onSignOut, busy }) {
  const duties = viewer.duties ?? [];
  return e(
    "div",
    { className: "consentql-signed-in" },
    e("p", {}, "Signed in as ", e("strong", {}, viewer.name ?? viewer.id), ` (${viewer.role})`),
    duties.length
      ? e(
          "div",
          {},
          e("p", {}, "Duties:"),
          e("ul", { className: "consentql-duties" }, duties.map((duty) => e("li", { key: duty }, duty))),
        )
      : null,
    e("button", { type: "button", className: "graphiql-button", onClick: onSignOut, disabled: busy }, "Sign out"),
  );
}

function schemaState(schema, isFetching, fetchError) {
  if (isFetching) return "Loading the schema…";
  if (schema) return "Schema loaded.";
  if (fetchError) return "No schema loaded.";
  return "";
}

function SignInPanel({ endpoint }) {
  const { schema, fetchError, introspect, isFetching } = useSchemaContext({
    nonNull: true,
    caller: SignInPanel,
  });
  // undefined: not asked yet; null: nobody is signed in.
  const [viewer, setViewer] = React.useState(undefined);
  const [problem, setProblem] = React.useState(null);
  const [busy, setBusy] = React.useState(false);
  const { responseEditor } = useEditorContext({ nonNull: true, caller: SignInPanel });
  const withDuties = hasDuties(schema);

  // GraphiQL shows a refused schema fetch in the response pane and leaves it there once a later
  // fetch succeeds: the refusal is cleared when the schema arrives.
  React.useEffect(() => {
    if (schema && responseEditor?.getValue().includes(REFUSED)) responseEditor.setValue("");
  }, [schema, responseEditor]);

  React.useEffect(() => {
    let current = true;
    whoAmI(endpoint, withDuties)
      .then((me) => current && setViewer(me))
      .catch(() => current && setViewer(null));
    return () => {
      current = false;
    };
  }, [endpoint, withDuties]);

  async function act(work) {
    setBusy(true);
    setProblem(null);
    try {
      await work();
      // Who may read which part of the schema just changed.
      introspect();
    } catch (error) {
      setProblem(error.code ? `${error.message} (${error.code})` : String(error.message));
    } finally {
      setBusy(false);
    }
  }

  function signIn(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const login = form.elements.login.value.trim();
    const password = form.elements.password.value;
    form.elements.password.value = "";
    return act(async () => {
      await post(endpoint, SIGN_IN, { input: { login, password } });
      setViewer(await whoAmI(endpoint, withDuties));
    });
  }

  function signOut() {
    return act(async () => {
      await post(endpoint, SIGN_OUT);
      setViewer(null);
    });
  }

  const refused = !viewer && typeof fetchError === "string" && fetchError.includes(REFUSED);
  return e(
    "section",
    { className: "consentql-sign-in", "aria-labelledby": "consentql-sign-in-title" },
    e("div", { className: "graphiql-doc-explorer-title", id: "consentql-sign-in-title" }, TITLE),
    refused
      ? e(
          "p",
          { className: "consentql-notice", role: "alert" },
          "This server shows its schema to signed-in callers only. Sign in below: the schema " +
            "loads as soon as you are signed in, and the editor then completes and checks queries.",
        )
      : null,
    viewer === undefined
      ? null
      : viewer
        ? e(SignedIn, { viewer, onSignOut: signOut, busy })
        : e(SignInForm, { onSubmit: signIn, busy }),
    problem ? e("p", { className: "consentql-problem", role: "alert" }, problem) : null,
    e("p", { className: "consentql-schema-state", "aria-live": "polite" }, schemaState(schema, isFetching, fetchError)),
  );
}

export function signInPlugin(endpoint) {
  return {
    title: TITLE,
    icon: PersonIcon,
    content: () => e(SignInPanel, { endpoint }),
  };
}
