// The JWT module (gen/jwt_bg.wasm) in browsers, web workers and service workers: compiled from
// the bytes inside the bundle by `init()`, so there is no second URL to ship. Reached only
// through pkg/lib/jwt.js (`#jwt`): a bundle that does not use signJwt/verifyJwt has neither.
import jwtInit from "../gen/jwt.js";
import base64 from "../gen/jwt_inline.js";
import { initAlso } from "../lib/init.js";

initAlso(() => jwtInit({ module_or_path: Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)) }));
