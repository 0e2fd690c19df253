// Signing in and out, and registering. The password goes only into the variables of the
// SignIn and Register operations and the form is cleared at once; nothing keeps it.

import { call } from "./api.js";
import { refusedAsUnknown } from "./capabilities.js";
import { byId, formValues } from "./dom.js";
import { t } from "./i18n.js";

const SIGN_IN = `mutation SignIn($input: LoginInput!) {
  login(input: $input) { account { id } }
}`;
const SIGN_OUT = "mutation SignOut { logout }";
const REQUEST_CODE = `mutation RequestRegistrationCode($phone: String!) {
  requestRegistrationCode(phone: $phone) { expiresInSeconds }
}`;
const REGISTER = `mutation Register($input: RegisterInput!) {
  register(input: $input) { id }
}`;

async function signIn(login, password) {
  // Only the account's id comes back: the session is the HttpOnly cookie, the token is not asked.
  await call(SIGN_IN, { input: { login, password } });
}

function codeRequired(ctx) {
  return ctx.caps.has("mutation", "requestRegistrationCode");
}

export function showRegistrationSteps(ctx) {
  const required = codeRequired(ctx);
  byId("register-code-step").hidden = !required;
  byId("register-code").required = required;
}

export function setup(ctx) {
  const signInForm = byId("sign-in");
  signInForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const { login, password } = formValues(signInForm);
    byId("sign-in-password").value = "";
    try {
      await signIn(login, password);
      signInForm.reset();
      await ctx.signedIn(t("session.signedIn"));
    } catch (error) {
      ctx.fail(error);
    }
  });

  byId("register-send-code").addEventListener("click", async () => {
    try {
      const phone = byId("register-phone").value.trim();
      const answer = await call(REQUEST_CODE, { phone });
      const sent = byId("register-code-sent");
      sent.textContent = t("register.codeSent", {
        s: answer.requestRegistrationCode.expiresInSeconds,
      });
      sent.hidden = false;
      byId("register-code").focus();
    } catch (error) {
      if (!refusedAsUnknown(error)) {
        ctx.fail(error);
        return;
      }
      // A server that registers without a code (its schema could not be read before).
      ctx.caps.noteMissing("mutation", "requestRegistrationCode");
      ctx.caps.noteMissing("registerInput", "code");
      showRegistrationSteps(ctx);
    }
  });

  const registerForm = byId("register");
  registerForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = formValues(registerForm);
    const input = {
      phone: values.phone,
      name: values.name,
      email: values.email,
      company: values.company,
      password: values.password,
    };
    if (ctx.caps.has("registerInput", "code")) {
      if (!values.code) {
        ctx.fail(t("register.needCode"));
        return;
      }
      input.code = values.code;
    }
    try {
      await call(REGISTER, { input });
      await signIn(values.phone, values.password);
      registerForm.reset();
      byId("register-code-sent").hidden = true;
      await ctx.signedIn(t("register.done"));
    } catch (error) {
      ctx.fail(error);
    }
  });

  byId("sign-out").addEventListener("click", async () => {
    try {
      await call(SIGN_OUT);
    } catch (error) {
      // Already ended elsewhere (expired, cancelled): signed out all the same.
      if (error.code !== "UNAUTHENTICATED") {
        ctx.fail(error);
        return;
      }
    }
    await ctx.signedOut(t("session.signedOut"));
  });
}
