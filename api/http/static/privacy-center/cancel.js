// Cancelling the account, with the password asked again (P-CANCEL-1): every session ends at
// once, so the page returns to its signed-out view and says when erasure is due.

import { call } from "./api.js";
import { byId, formValues } from "./dom.js";
import { formatDate, t } from "./i18n.js";

const CANCEL = `mutation CancelAccount($password: String!) {
  requestAccountCancellation(password: $password) { id dueOn }
}`;

export function setup(ctx) {
  const form = byId("cancel-form");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const { password, confirm } = formValues(form);
    if (!confirm) {
      ctx.fail(t("cancel.mustConfirm"));
      return;
    }
    try {
      const request = (await call(CANCEL, { password })).requestAccountCancellation;
      form.reset();
      await ctx.signedOut(t("cancel.done", { id: request.id, due: formatDate(request.dueOn) }));
    } catch (error) {
      byId("cancel-password").value = "";
      ctx.fail(error);
    }
  });
}

export async function load() {}
