// What the person has been told (policy updates, incidents), with read state.

import { call } from "./api.js";
import { byId, h, replaceChildren } from "./dom.js";
import { formatTime, t } from "./i18n.js";

const MY_NOTIFICATIONS = `query MyNotifications {
  myNotifications(first: 50) {
    edges { node { id topic title body createdAt readAt } }
  }
}`;
const MARK_READ = `mutation MarkNotificationsRead($ids: [ID!]!) {
  markNotificationsRead(ids: $ids) { unreadCount }
}`;
const MARK_ALL_READ = "mutation MarkAllNotificationsRead { markAllNotificationsRead }";

function notificationItem(ctx, notification) {
  const unread = notification.readAt === null;
  return h(
    "li",
    { class: unread ? "card unread" : "card" },
    h("h3", { text: notification.title }),
    h("p", { class: "meta", text: formatTime(notification.createdAt) }),
    h("p", { class: "body", text: notification.body }),
    unread
      ? h(
          "p",
          {},
          h("span", { class: "badge", text: t("notifications.unread") }),
          " ",
          h("button", {
            type: "button",
            class: "secondary",
            text: t("notifications.markRead"),
            onclick: () => markRead(ctx, notification.id),
          }),
        )
      : h("p", { class: "meta", text: t("notifications.read", { at: formatTime(notification.readAt) }) }),
  );
}

async function markRead(ctx, id) {
  try {
    await call(MARK_READ, { ids: [id] });
    await load(ctx);
    await ctx.refreshUnread();
  } catch (error) {
    ctx.fail(error);
  }
}

export async function load(ctx) {
  const edges = (await call(MY_NOTIFICATIONS)).myNotifications.edges;
  replaceChildren(
    byId("notification-list"),
    edges.length
      ? edges.map((edge) => notificationItem(ctx, edge.node))
      : h("li", { class: "empty", text: t("notifications.none") }),
  );
}

export function setup(ctx) {
  byId("notifications-all-read").addEventListener("click", async () => {
    try {
      const marked = (await call(MARK_ALL_READ)).markAllNotificationsRead;
      await load(ctx);
      await ctx.refreshUnread();
      ctx.say(t("notifications.markedAll", { n: marked }));
    } catch (error) {
      ctx.fail(error);
    }
  });
}
