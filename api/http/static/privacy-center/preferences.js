// Do Not Track: the account's own setting where the server offers it, and what this browser
// sends with every request (DNT, GPC), which the server honours per request (P-DNT-1).

import { call } from "./api.js";
import { byId } from "./dom.js";
import { formatTime, t } from "./i18n.js";

const PREFERENCES = `query PrivacyPreferences {
  me { privacyPreferences { doNotTrack setAt source } }
}`;

function offered(ctx) {
  return ctx.caps.has("account", "privacyPreferences") && ctx.caps.has("mutation", "setDoNotTrack");
}

function setDoNotTrack(ctx) {
  const selection = ctx.caps.returnsObject("setDoNotTrack") ? " { __typename }" : "";
  return `mutation SetDoNotTrack($enabled: Boolean!) { setDoNotTrack(enabled: $enabled)${selection} }`;
}

function showBrowserSignals() {
  const dnt = navigator.doNotTrack === "1";
  const gpc = navigator.globalPrivacyControl === true;
  byId("browser-signals").textContent = t("preferences.signals", {
    dnt: t(dnt ? "preferences.does" : "preferences.doesNot"),
    gpc: t(gpc ? "preferences.does" : "preferences.doesNot"),
  });
}

export async function load(ctx) {
  showBrowserSignals();
  const available = offered(ctx);
  byId("dnt").hidden = !available;
  byId("dnt-missing").hidden = available;
  if (!available) return;
  const preference = (await call(PREFERENCES)).me.privacyPreferences;
  byId("dnt-enabled").checked = Boolean(preference?.doNotTrack);
  byId("dnt-state").textContent = preference?.setAt
    ? t("preferences.setAt", { at: formatTime(preference.setAt), source: preference.source })
    : t("preferences.notSet");
}

export function setup(ctx) {
  byId("dnt").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await call(setDoNotTrack(ctx), { enabled: byId("dnt-enabled").checked });
      await load(ctx);
      ctx.say(t("preferences.saved"));
    } catch (error) {
      ctx.fail(error);
    }
  });
}
