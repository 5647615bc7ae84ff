// The JWT module (gen/jwt_bg.wasm) in browsers, web workers and service workers: compiled from
// the bytes inside the bundle by `init()`, so there is no second URL to ship. Reached only
// through pkg/lib/jwt.js: a bundle that does not use signJwt/verifyJwt has neither. (Node,
// workerd and Deno read the bytes too but never run the loader: their entries instantiate
// the module from gen/jwt_bg.wasm on import.)
import jwtInit from "../gen/jwt.js";
import base64 from "../gen/jwt_inline.js";
import { initAlso } from "../lib/init.js";

initAlso(() => jwtInit({ module_or_path: Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)) }));
