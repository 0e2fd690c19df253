// "My consents": each recipient, purpose and category, its receipt and the policy version it
// rests on; PAUSED while a newer version awaits acceptance; grant, narrow and withdraw in place
// (P-SHARE-1/2, P-WITHDRAW-1, P-UPDATE-1).

import { call } from "./api.js";
import { byId, h, replaceChildren } from "./dom.js";
import { categoryName, formatTime, t } from "./i18n.js";

const CONSENTS = `query Consents {
  myConsents {
    id purpose categories policyVersion grantedAt withdrawnAt endedReason
    recipient { id name kind region }
    receipt {
      receiptId jurisdiction collectionMethod state
      notice { version digest }
      controller { controller }
      purposes { legalBasis }
    }
  }
  affiliates { id name kind region purposes }
  dataCategories { id }
  currentPolicy { version }
}`;
const GRANT = `mutation GrantConsent($input: GrantConsentInput!) {
  grantConsent(input: $input) { id }
}`;
const NARROW = `mutation NarrowConsent($consentId: ID!, $categories: [String!]!) {
  narrowConsent(consentId: $consentId, categories: $categories) { id }
}`;
const WITHDRAW = `mutation WithdrawConsent($consentId: ID!) {
  withdrawConsent(consentId: $consentId) { id }
}`;
const ACCEPT = `mutation AcceptPolicy($version: String!) {
  acceptPolicy(version: $version) { version }
}`;
// Only recipients in mainland China can receive anything (P-REGION-1); the password never.
const MAINLAND_CHINA = "CN";
const NEVER_GRANTABLE = "credential.";

let affiliates = [];

function receiptDetails(consent) {
  const receipt = consent.receipt;
  const row = (key, value) => [h("dt", { text: t(key) }), h("dd", { text: value })];
  return h(
    "details",
    { class: "receipt" },
    h("summary", { text: t("consents.receipt") }),
    h(
      "dl",
      {},
      row("consents.receiptId", receipt.receiptId),
      row("consents.jurisdiction", receipt.jurisdiction),
      row("consents.controller", receipt.controller.controller),
      row("consents.legalBasis", receipt.purposes.map((p) => p.legalBasis).join(", ")),
      row("consents.method", receipt.collectionMethod),
      row("consents.digest", receipt.notice.digest),
    ),
  );
}

function categoryChoices(consent) {
  return h(
    "fieldset",
    { class: "choices" },
    h("legend", { text: t("consents.categories") }),
    consent.categories.map((category) => {
      const id = `consent-${consent.id}-${category}`;
      return h(
        "div",
        { class: "check" },
        h("input", { type: "checkbox", id, value: category, checked: true }),
        h("label", { for: id, text: categoryName(category) }),
      );
    }),
  );
}

function consentItem(ctx, consent) {
  const live = consent.withdrawnAt === null;
  const state = consent.receipt.state;
  const recipient = consent.recipient?.name ?? t("consents.self");
  const titleId = `consent-${consent.id}-title`;
  const item = h(
    "li",
    {
      id: `consent-${consent.id}`,
      class: `consent card state-${state.toLowerCase()}`,
      "aria-labelledby": titleId,
      tabindex: -1,
    },
    h("h3", { id: titleId }, `${recipient} · ${consent.purpose}`),
    h("p", { class: `state ${live ? "" : "ended"}`, text: t(`state.${state}`) }),
    h(
      "p",
      { class: "meta" },
      t("consents.policyVersion", { v: consent.policyVersion }),
      " · ",
      t("consents.grantedAt", { at: formatTime(consent.grantedAt) }),
      live ? "" : ` · ${t("consents.endedAt", { at: formatTime(consent.withdrawnAt) })}`,
    ),
  );
  if (!live) {
    item.append(
      h(
        "ul",
        { class: "chips" },
        consent.categories.map((c) => h("li", { class: "chip", text: categoryName(c) })),
      ),
    );
  } else {
    const choices = categoryChoices(consent);
    const actions = h("div", { class: "actions" });
    if (ctx.caps.has("mutation", "narrowConsent") && consent.categories.length > 1) {
      actions.append(
        h("button", {
          type: "button",
          class: "secondary",
          text: t("consents.keep"),
          onclick: () => narrow(ctx, consent, choices),
        }),
      );
    } else {
      for (const box of choices.querySelectorAll("input")) box.disabled = true;
    }
    actions.append(
      h("button", {
        type: "button",
        class: "danger",
        text: t("consents.withdraw"),
        onclick: () => withdraw(ctx, consent),
      }),
    );
    item.append(choices, actions);
  }
  item.append(receiptDetails(consent));
  return item;
}

// Runs `operation`, redraws the list and, for keyboard users, puts the focus on the consent it
// names (the narrower one after narrowing): the button they pressed is gone with the redraw.
async function act(ctx, operation, variables, message) {
  try {
    const answer = await call(operation, variables);
    await load(ctx);
    ctx.say(message);
    const consentId = Object.values(answer)[0]?.id;
    document.getElementById(`consent-${consentId}`)?.focus();
  } catch (error) {
    ctx.fail(error);
  }
}

async function narrow(ctx, consent, choices) {
  const kept = [...choices.querySelectorAll("input:checked")].map((box) => box.value);
  if (kept.length === 0 || kept.length === consent.categories.length) {
    ctx.fail(t("consents.keepSome"));
    return;
  }
  await act(ctx, NARROW, { consentId: consent.id, categories: kept }, t("consents.narrowed"));
}

async function withdraw(ctx, consent) {
  await act(ctx, WITHDRAW, { consentId: consent.id }, t("consents.withdrawn"));
}

function showPending(ctx, consents, version) {
  const box = byId("policy-pending");
  const paused = consents.some((consent) => consent.receipt.state === "PAUSED");
  box.hidden = !paused;
  if (!paused) return;
  replaceChildren(
    box,
    h("p", { text: t("consents.paused", { v: version }) }),
    h("button", {
      type: "button",
      text: t("consents.accept", { v: version }),
      onclick: () => act(ctx, ACCEPT, { version }, t("consents.accepted", { v: version })),
    }),
  );
}

function fillGrantForm(categories) {
  const recipients = byId("grant-recipient");
  const chosen = recipients.value;
  replaceChildren(
    recipients,
    affiliates
      .filter((affiliate) => affiliate.region === MAINLAND_CHINA)
      .map((affiliate) => h("option", { value: affiliate.id, text: affiliate.name })),
  );
  if (chosen) recipients.value = chosen;
  fillPurposes();
  const fieldset = byId("grant-categories");
  replaceChildren(
    fieldset,
    h("legend", { text: t("consents.categories") }),
    categories
      .filter((category) => !category.id.startsWith(NEVER_GRANTABLE))
      .map((category) => {
        const id = `grant-category-${category.id}`;
        return h(
          "div",
          { class: "check" },
          h("input", { type: "checkbox", id, name: "categories", value: category.id }),
          h("label", { for: id, text: categoryName(category.id) }),
        );
      }),
  );
}

function fillPurposes() {
  const recipient = affiliates.find((a) => a.id === byId("grant-recipient").value);
  replaceChildren(
    byId("grant-purpose"),
    (recipient?.purposes ?? []).map((purpose) => h("option", { value: purpose, text: purpose })),
  );
}

export async function load(ctx) {
  const answer = await call(CONSENTS);
  affiliates = answer.affiliates;
  const list = byId("consent-list");
  const consents = answer.myConsents;
  replaceChildren(
    list,
    consents.length
      ? consents.map((consent) => consentItem(ctx, consent))
      : h("li", { class: "empty", text: t("consents.none") }),
  );
  showPending(ctx, consents, answer.currentPolicy.version);
  fillGrantForm(answer.dataCategories);
}

export function setup(ctx) {
  byId("grant-recipient").addEventListener("change", fillPurposes);
  const form = byId("grant");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const categories = [...form.querySelectorAll("input[name=categories]:checked")].map(
      (box) => box.value,
    );
    if (categories.length === 0) {
      ctx.fail(t("consents.pickCategory"));
      return;
    }
    const input = {
      recipientId: byId("grant-recipient").value,
      purpose: byId("grant-purpose").value,
      categories,
    };
    await act(ctx, GRANT, { input }, t("consents.given"));
  });
}
