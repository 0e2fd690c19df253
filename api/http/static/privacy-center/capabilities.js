// Which operations this server offers, read from its schema: the privacy center works with a
// server that has some operations and not yet others. Introspection is refused to anonymous
// callers in production; then nothing is known, the center assumes the full contract, and an
// operation the server refuses as unknown is noted as missing (`noteMissing`).

import { call } from "./api.js";

const QUERY = `query Capabilities {
  __schema {
    queryType { fields { name } }
    mutationType { fields { name type { kind ofType { kind } } } }
  }
  account: __type(name: "Account") { fields { name } }
  registerInput: __type(name: "RegisterInput") { inputFields { name } }
}`;

function names(list) {
  return new Set((list ?? []).map((item) => item.name));
}

function unwrapped(type) {
  return type.kind === "NON_NULL" ? type.ofType.kind : type.kind;
}

// A document naming a field the schema lacks is refused before it runs, with this code.
export function refusedAsUnknown(error) {
  return error?.code === "GRAPHQL_VALIDATION_FAILED";
}

export function unknown() {
  const missing = new Set();
  return {
    known: false,
    has: (kind, name) => !missing.has(`${kind}.${name}`),
    returnsObject: () => true,
    noteMissing: (kind, name) => missing.add(`${kind}.${name}`),
  };
}

export async function detect() {
  let data;
  try {
    data = await call(QUERY);
  } catch {
    return unknown();
  }
  const mutations = data.__schema.mutationType?.fields ?? [];
  const sets = {
    query: names(data.__schema.queryType.fields),
    mutation: names(mutations),
    account: names(data.account?.fields),
    registerInput: names(data.registerInput?.inputFields),
  };
  const objects = new Set(
    mutations.filter((field) => unwrapped(field.type) === "OBJECT").map((field) => field.name),
  );
  return {
    known: true,
    has: (kind, name) => sets[kind].has(name),
    // Whether a mutation's answer needs a selection (`{ __typename }`) or is a plain value.
    returnsObject: (name) => objects.has(name),
    noteMissing: () => {},
  };
}
