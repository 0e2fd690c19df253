// Privacy requests with their due dates (P-RIGHTS-3/4, P-DELETE-1).

import { call } from "./api.js";
import { byId, formValues, h, replaceChildren } from "./dom.js";
import { formatDate, formatTime, t } from "./i18n.js";

const KINDS = [
  "ACCESS",
  "CORRECTION",
  "DELETION",
  "WITHDRAW_CONSENT",
  "COMPLAINT_AUTOMATED_DECISION",
  "OTHER",
];
const GROUNDS = [
  "UNLAWFUL_PROCESSING",
  "NO_CONSENT",
  "BREACH_OF_AGREEMENT",
  "STOPPED_USING",
  "SERVICE_ENDED",
];
const DELETION = "DELETION";
const MY_REQUESTS = `query MyPrivacyRequests {
  myPrivacyRequests(first: 50) {
    edges { node { id kind status ground details submittedAt dueOn overdue resolution } }
  }
}`;
const SUBMIT = `mutation SubmitPrivacyRequest($input: SubmitPrivacyRequestInput!) {
  submitPrivacyRequest(input: $input) { id dueOn }
}`;

function options(select, values, prefix) {
  const chosen = select.value;
  replaceChildren(
    select,
    values.map((value) => h("option", { value, text: t(`${prefix}.${value}`) })),
  );
  if (chosen) select.value = chosen;
}

function requestItem(request) {
  return h(
    "li",
    { class: "card" },
    h("h3", {}, `#${request.id} · ${t(`kind.${request.kind}`)}`),
    h("p", { class: "state", text: t(`status.${request.status}`) }),
    h(
      "p",
      { class: request.overdue ? "due overdue" : "due" },
      t("requests.due", { due: formatDate(request.dueOn) }),
      request.overdue ? ` · ${t("requests.overdue")}` : "",
    ),
    h("p", { class: "meta", text: t("requests.submittedAt", { at: formatTime(request.submittedAt) }) }),
    request.ground ? h("p", { text: t(`ground.${request.ground}`) }) : null,
    request.details ? h("p", { class: "quote", text: request.details }) : null,
    request.resolution ? h("p", { text: t("requests.resolution", { text: request.resolution }) }) : null,
  );
}

export async function load() {
  options(byId("request-kind"), KINDS, "kind");
  options(byId("request-ground"), GROUNDS, "ground");
  const edges = (await call(MY_REQUESTS)).myPrivacyRequests.edges;
  replaceChildren(
    byId("request-list"),
    edges.length
      ? edges.map((edge) => requestItem(edge.node))
      : h("li", { class: "empty", text: t("requests.none") }),
  );
}

export function setup(ctx) {
  const kind = byId("request-kind");
  kind.addEventListener("change", () => {
    byId("request-ground-row").hidden = kind.value !== DELETION;
  });
  const form = byId("request");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = formValues(form);
    const input = { kind: values.kind, details: values.details || null };
    if (values.kind === DELETION) input.ground = values.ground;
    try {
      const filed = (await call(SUBMIT, { input })).submitPrivacyRequest;
      form.reset();
      byId("request-ground-row").hidden = true;
      await load();
      ctx.say(t("requests.submitted", { due: formatDate(filed.dueOn) }));
    } catch (error) {
      ctx.fail(error);
    }
  });
}
