// Post-processes wasm-bindgen's glue (the version is pinned: each rewrite fails loudly when its
// text is not found).
// - Rewrites `if (Symbol.dispose) X.prototype[Symbol.dispose] = X.prototype.free;` (a statement
//   after each exported class) into a `[Symbol.dispose]()` method inside the class, so that a
//   bundler can drop the classes a page does not use: the statement is a side effect that kept
//   every class in every bundle. Each class's `new FinalizationRegistry(...)` is marked
//   `/* @__PURE__ */` for the same reason. Where `Symbol.dispose` is undefined the method is
//   named "undefined" and harmless.
// - Deletes what rotor's callers never reach, which a page would download anyway: the
//   deprecated-arguments branches of `initSync` and of the default export (every entry passes
//   `{ module }` / `{ module_or_path }`, pkg/entry/*.js, pkg/lib/init.js, dpop-module.js), the
//   default URL next to the glue (the entries name the module), the `TextEncoder.encodeInto`
//   polyfill (every platform rotor supports has it; pkg/lib/input.js uses it unguarded) and
//   `passStringToWasm0`'s branch for a missing `realloc` (every call passes one), and each
//   `FinalizationRegistry`'s stand-in for platforms without one (every platform of README,
//   "Supported runtimes", has it).
// - Shortens the warning of a `.wasm` served without `application/wasm` (the fallback stays).
//   node scripts/glue-dispose.mjs FILE...
import { readFileSync, writeFileSync } from "node:fs";

for (const file of process.argv.slice(2)) {
  let text = readFileSync(file, "utf8");
  const statement = /^if \(Symbol\.dispose\) (\w+)\.prototype\[Symbol\.dispose\] = \1\.prototype\.free;\n/gm;
  for (const [line, name] of [...text.matchAll(statement)]) {
    const head = `export class ${name} {\n`;
    const at = text.indexOf(head);
    if (at < 0) throw new Error(`${file}: no class ${name}`);
    const method = `    [Symbol.dispose]() {\n        this.free();\n    }\n`;
    text = text.replace(line, "");
    text = text.slice(0, at + head.length) + method + text.slice(at + head.length);
  }
  const registry = /\(typeof FinalizationRegistry === 'undefined'\)\n    \? \{ register: \(\) => \{\}, unregister: \(\) => \{\} \}\n    : new FinalizationRegistry\(/g;
  if (/FinalizationRegistry/.test(text) && !registry.test(text)) throw new Error(`${file}: FinalizationRegistry without its stand-in`);
  text = text.replace(registry, "/* @__PURE__ */ new FinalizationRegistry(");
  const cut = (pattern, replacement, what) => {
    if (!pattern.test(text)) throw new Error(`${file}: ${what} not found`);
    text = text.replace(pattern, replacement);
  };
  cut(/\n    if \(module !== undefined\) \{\n        if \(Object\.getPrototypeOf\(module\) === Object\.prototype\) \{\n            \(\{module\} = module\)\n        \} else \{\n            console\.warn\('[^'\n]*'\)\n        \}\n    \}\n/,
    "\n    ({ module } = module);\n", "initSync's deprecated arguments");
  cut(/\n    if \(module_or_path !== undefined\) \{\n        if \(Object\.getPrototypeOf\(module_or_path\) === Object\.prototype\) \{\n            \(\{module_or_path\} = module_or_path\)\n        \} else \{\n            console\.warn\('[^'\n]*'\)\n        \}\n    \}\n\n    if \(module_or_path === undefined\) \{\n        module_or_path = new URL\('\w+_bg\.wasm', import\.meta\.url\);\n    \}\n/,
    "\n    ({ module_or_path } = module_or_path);\n", "the init function's deprecated arguments and default URL");
  cut(/\nif \(!\('encodeInto' in cachedTextEncoder\)\) \{\n(?:    .*\n|\n)*?\}\n/, "\n", "the encodeInto polyfill");
  if (/console\.warn\("`WebAssembly\.instantiateStreaming` failed/.test(text)) {
    cut(/console\.warn\("`WebAssembly\.instantiateStreaming` failed[^"\n]*", e\);/,
      'console.warn("serve .wasm as application/wasm:", e);', "the MIME type warning");
  }
  if (/passStringToWasm0\([^,()]+, wasm\.__wbindgen_malloc\)/.test(text)) throw new Error(`${file}: a passStringToWasm0 call without realloc`);
  cut(/(function passStringToWasm0\(arg, malloc, realloc\) \{\n)    if \(realloc === undefined\) \{\n(?:        .*\n)*?    \}\n\n/, "$1", "passStringToWasm0's branch without realloc");
  if (/Symbol\.dispose\) \w+\.prototype/.test(text)) throw new Error(`${file}: a dispose statement is left`);
  writeFileSync(file, text);
}
