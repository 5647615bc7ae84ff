// A browser's part of an OpenID Provider sign-in over HTTP, for tests against oidc-provider:
// a cookie jar, and the walk through its development interactions (login, then consent).

/** A browser's cookie jar, enough for loopback: host-wide (ports share cookies), Max-Age=0 deletes. */
export function jar() {
  const cookies = new Map();
  return {
    cookies,
    store(res) {
      for (const c of res.headers.getSetCookie()) {
        const [pair, ...attrs] = c.split(";");
        const eq = pair.indexOf("=");
        const name = pair.slice(0, eq);
        if (attrs.some((a) => a.trim().toLowerCase() === "max-age=0")) cookies.delete(name);
        else cookies.set(name, pair.slice(eq + 1));
      }
    },
    header: () => [...cookies].map(([k, v]) => `${k}=${v}`).join("; "),
  };
}

/**
 * Follows redirects from `start` as a browser does, submitting oidc-provider's login form (as
 * `user`) and consent form on the way, until a redirect's target satisfies `done(url)`.
 * Returns `{ target, seen, prompts }`: the final URL, each step `{ url, status, location,
 * setCookie }`, and the interaction pages met (`"login"`, `"consent"`).
 */
export async function interact(start, cookies, { user = "alice", done }) {
  let next = start;
  const seen = [];
  const prompts = [];
  for (let step = 0; step < 12; step++) {
    let res = await fetch(next, { redirect: "manual", headers: { cookie: cookies.header() } });
    cookies.store(res);
    seen.push({ url: next, status: res.status, location: res.headers.get("location"), setCookie: res.headers.getSetCookie() });
    let location = res.headers.get("location");
    if (res.status === 200) {
      const html = await res.text();
      const prompt = html.includes('name="login"') ? "login" : "consent";
      prompts.push(prompt);
      const form = prompt === "login" ? { prompt, login: user, password: "any" } : { prompt };
      res = await fetch(next, {
        method: "POST",
        redirect: "manual",
        headers: { cookie: cookies.header(), "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(form),
      });
      cookies.store(res);
      location = res.headers.get("location");
    } else {
      await res.body?.cancel();
    }
    if (!location) throw new Error(`step ${step}: expected a redirect from ${next}, got HTTP ${res.status}`);
    const target = new URL(location, next);
    if (done(target)) return { target, seen, prompts };
    next = target.href;
  }
  throw new Error(`the sign-in from ${start} did not reach its end`);
}
