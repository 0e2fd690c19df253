// "My data": everything held about the person, unmasked (P-RIGHTS-1), corrections of what may
// be corrected (P-RIGHTS-2), and the whole of it as a JSON download (P-EXPORT-1).

import { call } from "./api.js";
import { byId, formValues, h, replaceChildren } from "./dom.js";
import { categoryName, formatTime, t } from "./i18n.js";

const PROFILE_FIELDS = ["phone", "email", "name", "company", "province", "city"];
const MY_DATA = `query MyData {
  me {
    id phone email name company province city role status createdAt
    orders(first: 20) { edges { node { id kind product productType amount status createdAt } } }
    reservations(first: 20) {
      edges { node { id product phone email name company province city status createdAt } }
    }
    loginRecords(first: 20) {
      edges { node { id success ip networkType os clientVersion devicePhone createdAt } }
    }
    deviceLogs(first: 20) { edges { node { id os networkStatus deviceId createdAt } } }
  }
}`;
const UPDATE_PROFILE = `mutation UpdateProfile($input: UpdateProfileInput!) {
  updateProfile(input: $input) { id }
}`;
const EXPORT = "query ExportMyData { exportMyData }";

let loaded = {};

function line(...parts) {
  return h("li", {}, parts.filter((part) => part !== null && part !== "").join(" · "));
}

function group(titleKey, category, nodes, describe) {
  const items = nodes.length ? nodes.map(describe) : [h("li", { text: t("data.none") })];
  return h(
    "details",
    { class: "card" },
    h("summary", {}, `${t(titleKey)} (${nodes.length})`),
    h("p", { class: "meta", text: categoryName(category) }),
    h("ul", { class: "plain" }, items),
  );
}

function nodes(connection) {
  return connection.edges.map((edge) => edge.node);
}

export async function load(ctx) {
  const me = (await call(MY_DATA)).me;
  loaded = me;
  byId("profile-id").textContent = me.id;
  for (const field of PROFILE_FIELDS) byId(`profile-${field}`).value = me[field] ?? "";
  const duties = ctx.me.duties ?? [];
  byId("duties").hidden = duties.length === 0;
  replaceChildren(byId("duties-list"), ...duties.map((duty) => h("li", { text: duty })));
  replaceChildren(
    byId("held"),
    h(
      "p",
      { class: "meta" },
      `${t("data.role")}: ${me.role} · ${t("data.status")}: ${me.status} · `,
      `${t("data.createdAt")}: ${formatTime(me.createdAt)}`,
    ),
    group("data.orders", "activity.orders", nodes(me.orders), (o) =>
      line(formatTime(o.createdAt), o.product, `¥${o.amount}`, o.kind, o.status),
    ),
    group("data.reservations", "activity.reservations", nodes(me.reservations), (r) =>
      line(formatTime(r.createdAt), r.product, r.name, r.phone, r.email, r.company, r.province, r.city, r.status),
    ),
    group("data.logins", "activity.logins", nodes(me.loginRecords), (l) =>
      line(
        formatTime(l.createdAt),
        t(l.success ? "data.success" : "data.failure"),
        l.ip,
        l.networkType,
        l.os,
        l.clientVersion,
        l.devicePhone,
      ),
    ),
    group("data.devices", "device.info", nodes(me.deviceLogs), (d) =>
      line(formatTime(d.createdAt), d.os, d.networkStatus, d.deviceId),
    ),
  );
}

function download(held, name) {
  const blob = new Blob([JSON.stringify(held, null, 2)], { type: "application/json" });
  const url = URL.createObjectURL(blob);
  const link = h("a", { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  // After the click has handed the file to the browser's download.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export function setup(ctx) {
  const form = byId("profile");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = formValues(form);
    const input = {};
    for (const field of PROFILE_FIELDS) {
      if (values[field] !== (loaded[field] ?? "")) input[field] = values[field];
    }
    if (Object.keys(input).length === 0) {
      ctx.say(t("data.nothingChanged"));
      return;
    }
    try {
      await call(UPDATE_PROFILE, { input });
      await load(ctx);
      ctx.say(t("data.saved"));
    } catch (error) {
      ctx.fail(error);
    }
  });

  byId("export").addEventListener("click", async () => {
    try {
      const held = (await call(EXPORT)).exportMyData;
      const name = `consentql-export-${new Date().toISOString().slice(0, 10)}.json`;
      download(held, name);
      ctx.say(t("data.exported", { file: name }));
    } catch (error) {
      ctx.fail(error);
    }
  });
}
