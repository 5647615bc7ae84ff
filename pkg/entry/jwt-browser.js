// The JWT module (gen/jwt_bg.wasm) in browsers, web workers and service workers: `init()`
// compiles it from its bytes (gen/jwt_inline.js, base64), which the bundle carries or its
// bundler emits as a chunk: there is no second URL to ship. Reached only through
// pkg/lib/jwt.js, so a bundle that does not use signJwt/verifyJwt has none of it. Node,
// workerd and Deno never run the loader (their entries instantiate gen/jwt_bg.wasm on
// import), so they never read the bytes either.
import jwtInit from "../gen/jwt.js";
import { initAlso } from "../lib/init.js";

initAlso(async () => {
  const { default: base64 } = await import("../gen/jwt_inline.js");
  await jwtInit({ module_or_path: Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)) });
});
