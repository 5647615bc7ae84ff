// `rotor/rotor_bg.wasm` and `rotor/issuer_bg.wasm`: the wasm modules as assets. A bundler's
// asset import gives their URL (esbuild's file loader; vite's `?url`), to pass to `init`.
declare const url: string;
export default url;
