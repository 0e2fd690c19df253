// "Who saw my data": every read by an API client (affiliate or third party) or an admin, as a
// timeline with what was seen in clear, masked or blocked and on what basis, and a chart of
// reads per month (P-TRANSPARENCY-1).

import { allNodes } from "./api.js";
import { monthlyChart, readsPerMonth } from "./chart.js";
import { byId, h, replaceChildren } from "./dom.js";
import { categoryName, formatTime, t } from "./i18n.js";

const HISTORY = `query AccessHistory($after: String) {
  myAccessHistory(first: 100, after: $after) {
    edges {
      node {
        id at accessorKind accessor subject basis legalGrounds
        categoriesClear categoriesMasked categoriesBlocked
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}`;
// Enough for a year of a busy account; the chart counts what was fetched.
const MOST = 1000;
const PAGE = 50;

let events = [];
let shown = 0;

function accessorName(event) {
  // The history names admins "admin" and clients "<recipient> / <client>".
  return event.accessorKind === "ADMIN" ? t("access.admin") : event.accessor;
}

function subjectName(subject) {
  if (subject === "account") return t("access.subjectAccount");
  const reservation = subject.match(/^reservation:(\d+)$/);
  return reservation ? t("access.subjectReservation", { id: reservation[1] }) : subject;
}

function basisLines(event) {
  const parts = event.basis.split(",").filter(Boolean);
  const consents = parts.filter((p) => p.startsWith("consent:")).map((p) => p.slice(8));
  const lines = consents.map((id) => t("access.basisConsent", { id }));
  if (event.legalGrounds.length) {
    const grounds = event.legalGrounds.map((ground) => t(`legal.${ground}`)).join("、");
    lines.push(t("access.basisLegal", { grounds }));
  }
  if (lines.length === 0) lines.push(t("access.basisNone"));
  return lines.map((line) => h("p", { class: "basis", text: line }));
}

function chips(categories, kind) {
  return categories.map((category) =>
    h(
      "li",
      { class: `chip ${kind}` },
      h("span", { text: categoryName(category) }),
      h("span", { class: "chip-kind", text: t(`access.${kind}`) }),
    ),
  );
}

function entry(event) {
  return h(
    "li",
    { class: `event ${event.accessorKind.toLowerCase()}` },
    h("time", { datetime: event.at, text: formatTime(event.at) }),
    h(
      "p",
      { class: "accessor" },
      h("span", { class: "badge", text: t(`access.${event.accessorKind}`) }),
      " ",
      h("strong", { text: accessorName(event) }),
    ),
    h("p", { class: "meta", text: t("access.subject", { s: subjectName(event.subject) }) }),
    basisLines(event),
    h(
      "ul",
      { class: "chips" },
      chips(event.categoriesClear, "clear"),
      chips(event.categoriesMasked, "masked"),
      chips(event.categoriesBlocked, "blocked"),
    ),
  );
}

function showMore() {
  const timeline = byId("access-timeline");
  timeline.append(...events.slice(shown, shown + PAGE).map(entry));
  shown = Math.min(events.length, shown + PAGE);
  byId("access-more").hidden = shown >= events.length;
}

export async function load() {
  events = await allNodes(HISTORY, {}, (data) => data.myAccessHistory, MOST);
  replaceChildren(
    byId("access-chart"),
    monthlyChart(
      readsPerMonth(events.map((event) => event.at)),
      "access-chart-title",
    ),
  );
  const timeline = byId("access-timeline");
  shown = 0;
  replaceChildren(timeline, events.length ? [] : h("li", { class: "empty", text: t("access.none") }));
  showMore();
}

export function setup(ctx) {
  byId("access-refresh").addEventListener("click", () => load().catch(ctx.fail));
  byId("access-more").addEventListener("click", showMore);
}
