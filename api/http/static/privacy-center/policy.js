// The policy in effect, open to anyone (P-CONTACT-1), and its history of changes where the
// server lists it, each version with its own public page.

import { call } from "./api.js";
import { refusedAsUnknown } from "./capabilities.js";
import { byId, h, replaceChildren } from "./dom.js";
import { formatTime, t } from "./i18n.js";

const CURRENT = `query CurrentPolicy {
  currentPolicy {
    version publishedAt effectiveAt digest summary requiresFreshConsent
    contact { controller phone email contactAddress answerWithinDays }
  }
}`;
const HISTORY = "query PolicyVersions { policyVersions { version effectiveAt summary text diff } }";

function pageOf(version) {
  return `/policy/${encodeURIComponent(version)}`;
}

function current(policy) {
  const contact = policy.contact;
  return [
    h("h3", { text: t("policy.version", { v: policy.version }) }),
    h(
      "p",
      { class: "meta" },
      t("policy.effective", { at: formatTime(policy.effectiveAt) }),
      " · ",
      t("policy.published", { at: formatTime(policy.publishedAt) }),
    ),
    h("p", { class: "body", text: policy.summary }),
    policy.requiresFreshConsent ? h("p", { class: "notice", text: t("policy.freshConsent") }) : null,
    h("p", { class: "meta digest", text: t("policy.digest", { d: policy.digest }) }),
    h(
      "p",
      {},
      t("policy.contact", {
        controller: contact.controller,
        phone: contact.phone,
        email: contact.email,
        address: contact.contactAddress,
        days: contact.answerWithinDays,
      }),
    ),
  ];
}

function historyItem(version) {
  return h(
    "li",
    { class: "card" },
    h("h4", {}, h("a", { href: pageOf(version.version), text: t("policy.version", { v: version.version }) })),
    h("p", { class: "meta", text: t("policy.effective", { at: formatTime(version.effectiveAt) }) }),
    h("p", { class: "body", text: version.summary }),
    version.diff
      ? h("details", {}, h("summary", { text: t("policy.diff") }), h("pre", { text: version.diff }))
      : null,
    version.text
      ? h("details", {}, h("summary", { text: t("policy.text") }), h("pre", { text: version.text }))
      : null,
  );
}

async function history(ctx) {
  if (!ctx.caps.has("query", "policyVersions")) return null;
  try {
    return (await call(HISTORY)).policyVersions;
  } catch (error) {
    if (!refusedAsUnknown(error)) throw error;
    ctx.caps.noteMissing("query", "policyVersions");
    return null;
  }
}

export async function load(ctx) {
  const policy = (await call(CURRENT)).currentPolicy;
  replaceChildren(byId("policy-current"), ...current(policy));
  const versions = await history(ctx);
  byId("policy-history-missing").hidden = versions !== null;
  replaceChildren(byId("policy-history"), ...(versions ?? []).map(historyItem));
}
