// The privacy center: who is signed in, which section shows, and what a person is told.
// Each section is a module with `setup(ctx)` (wires its forms once) and `load(ctx)` (fetches
// and draws what it shows, each time it is opened).

import { call } from "./api.js";
import { detect, refusedAsUnknown, unknown } from "./capabilities.js";
import { byId } from "./dom.js";
import { t, toggleLanguage, translatePage } from "./i18n.js";
import * as access from "./access.js";
import * as cancel from "./cancel.js";
import * as consents from "./consents.js";
import * as data from "./data.js";
import * as notifications from "./notifications.js";
import * as policy from "./policy.js";
import * as preferences from "./preferences.js";
import * as requests from "./requests.js";
import * as session from "./session.js";

const SECTIONS = { data, consents, access, preferences, requests, notifications, policy, cancel };
const SIGNED_OUT_VIEWS = ["welcome", "policy"];
const FIRST_VIEW = "data";

const WHO_AM_I = "query WhoAmI { me { id name role status } }";
const WHO_AM_I_WITH_DUTIES = "query WhoAmI { me { id name role status duties } }";

// Duties (admins) where the schema has them, as a list of names; asked without them otherwise.
async function whoAmI(caps) {
  if (!(caps.known && caps.has("account", "duties"))) return (await call(WHO_AM_I)).me;
  try {
    return (await call(WHO_AM_I_WITH_DUTIES)).me;
  } catch (error) {
    if (!refusedAsUnknown(error)) throw error;
    return (await call(WHO_AM_I)).me;
  }
}

const ctx = {
  caps: unknown(),
  me: null,

  say(message) {
    byId("alert").hidden = true;
    byId("status").textContent = message;
  },

  // `problem`: an ApiError, or a message already written for the person.
  fail(problem) {
    if (problem?.code === "UNAUTHENTICATED" && ctx.me) {
      ctx.signedOut(t("error.UNAUTHENTICATED"));
      return;
    }
    const alert = byId("alert");
    alert.textContent = typeof problem === "string" ? problem : describe(problem);
    alert.hidden = false;
  },

  // After a sign-in, and at the start (then `me` may well be null).
  async signedIn(message) {
    // Signed-in callers may read the schema even in production: then it is known.
    ctx.caps = await detect();
    const me = await whoAmI(ctx.caps);
    if (!me) {
      await ctx.signedOut();
      return;
    }
    ctx.me = me;
    showSignedIn();
    await route({ focus: false });
    if (message) ctx.say(message);
  },

  async signedOut(message) {
    ctx.me = null;
    showSignedOut();
    if (message) ctx.say(message);
    session.showRegistrationSteps(ctx);
    await policy.load(ctx);
  },

  refreshUnread,
};

function describe(error) {
  const code = error?.code ?? "other";
  const known = [
    "UNAUTHENTICATED",
    "INVALID_CREDENTIALS",
    "TOO_MANY_ATTEMPTS",
    "ACCOUNT_LOCKED",
    "VALIDATION_FAILED",
    "CONFLICT",
    "NOT_FOUND",
    "NETWORK",
  ];
  const params = { message: error?.message ?? "", s: error?.extensions?.retryAfter ?? "" };
  return t(known.includes(code) ? `error.${code}` : "error.other", params);
}

async function refreshUnread() {
  const badge = byId("unread");
  try {
    const count = (await call("query UnreadCount { myUnreadNotificationCount }"))
      .myUnreadNotificationCount;
    badge.textContent = count > 0 ? String(count) : "";
    badge.hidden = count === 0;
    badge.setAttribute("aria-label", t("nav.unread", { n: count }));
  } catch (error) {
    ctx.fail(error);
  }
}

function showOnly(ids) {
  for (const view of document.querySelectorAll("main > .view")) {
    view.hidden = !ids.includes(view.id);
  }
}

function showSignedIn() {
  byId("sections").hidden = false;
  byId("sign-out").hidden = false;
  const who = byId("who");
  who.textContent = t("session.signedInAs", { name: ctx.me.name ?? "" });
  who.hidden = false;
}

function showSignedOut() {
  byId("sections").hidden = true;
  byId("sign-out").hidden = true;
  byId("who").hidden = true;
  showOnly(SIGNED_OUT_VIEWS);
}

function currentView() {
  const wanted = location.hash.slice(1);
  return wanted in SECTIONS ? wanted : FIRST_VIEW;
}

async function route({ focus = true } = {}) {
  if (!ctx.me) return;
  const view = currentView();
  const section = byId(view);
  showOnly([view]);
  for (const link of document.querySelectorAll("#sections a")) {
    if (link.getAttribute("href") === `#${view}`) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (focus) {
    // A section opened from the menu: what was said about the last one no longer applies.
    ctx.say("");
    byId(`${view}-title`).focus();
  }
  section.setAttribute("aria-busy", "true");
  try {
    await SECTIONS[view].load(ctx);
    await refreshUnread();
  } catch (error) {
    ctx.fail(error);
  } finally {
    section.removeAttribute("aria-busy");
  }
}

async function start() {
  translatePage();
  byId("language").addEventListener("click", async () => {
    toggleLanguage();
    if (ctx.me) {
      showSignedIn();
      await route({ focus: false });
    } else {
      await policy.load(ctx);
    }
  });
  session.setup(ctx);
  for (const section of Object.values(SECTIONS)) section.setup?.(ctx);
  window.addEventListener("hashchange", () => route());
  try {
    await ctx.signedIn();
  } catch (error) {
    showSignedOut();
    ctx.fail(error);
  }
  // For whoever waits on the page (the browser tests): the first view is drawn.
  document.body.dataset.ready = "true";
}

start();
