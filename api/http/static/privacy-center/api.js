// The privacy center's only way to the server: the public GraphQL API, POST /graphql with JSON
// and the session cookie the sign-in set (HttpOnly: no script here ever reads it). A password
// travels only as a variable of the sign-in, registration and cancellation operations.

const ENDPOINT = "/graphql";

export class ApiError extends Error {
  constructor(errors) {
    super(errors[0]?.message ?? "error");
    this.errors = errors;
    this.extensions = errors[0]?.extensions ?? {};
    this.code = this.extensions.code ?? "UNKNOWN";
  }
}

export async function call(query, variables = {}) {
  let response;
  try {
    response = await fetch(ENDPOINT, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new ApiError([{ message: "network", extensions: { code: "NETWORK" } }]);
  }
  let payload;
  try {
    payload = await response.json();
  } catch {
    throw new ApiError([{ message: `HTTP ${response.status}`, extensions: { code: "NETWORK" } }]);
  }
  if (payload.errors?.length) {
    throw new ApiError(payload.errors);
  }
  return payload.data;
}

// Every page of a connection, up to `limit` nodes: `query` takes `$after` and `select` finds the
// connection in its answer.
export async function allNodes(query, variables, select, limit) {
  const nodes = [];
  let after = null;
  while (nodes.length < limit) {
    const connection = select(await call(query, { ...variables, after }));
    nodes.push(...connection.edges.map((edge) => edge.node));
    if (!connection.pageInfo.hasNextPage) break;
    after = connection.pageInfo.endCursor;
  }
  return nodes;
}
